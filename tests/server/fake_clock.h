// A manually advanced Clock for scheduler tests (TF Serving's FakeClockEnv
// idea): time moves only on AdvanceMicros(), and a test can wait until the
// batching thread has looked at the current time and gone to sleep.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>

#include "server/clock.h"

namespace vit::server::testing {

class FakeClock final : public Clock {
 public:
  int64_t NowMicros() override { return now_.load(); }

  void WaitUntil(std::condition_variable& cv, std::unique_lock<std::mutex>& lock,
                 int64_t deadline_micros) override {
    {
      std::lock_guard<std::mutex> guard(mu_);
      last_wait_now_ = now_.load();
      last_wait_deadline_ = deadline_micros;
      waited_.notify_all();
    }
    // Fake time cannot wake a real condition variable: poll in 1 ms real-time
    // steps; the caller re-reads NowMicros() after each (a spurious wake-up).
    cv.wait_for(lock, std::chrono::milliseconds(1));
  }

  void AdvanceMicros(int64_t micros) { now_ += micros; }

  /// Blocks until a thread has called WaitUntil(`deadline_micros`) at the
  /// current fake time, i.e. looked at its state now and chosen to sleep.
  /// False after 5 s of real time.
  bool BlockUntilWaiting(int64_t deadline_micros) {
    std::unique_lock<std::mutex> lock(mu_);
    return waited_.wait_for(lock, std::chrono::seconds(5), [&] {
      return last_wait_now_ == now_.load() && last_wait_deadline_ == deadline_micros;
    });
  }

 private:
  std::atomic<int64_t> now_{0};
  std::mutex mu_;  // guards last_wait_now_ and last_wait_deadline_
  std::condition_variable waited_;
  int64_t last_wait_now_ = -1;
  int64_t last_wait_deadline_ = -1;
};

}  // namespace vit::server::testing
