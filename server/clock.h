// Time source for the batch scheduler, injectable so tests can drive batching
// deterministically with a fake clock.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>

namespace vit::server {

class Clock {
 public:
  virtual ~Clock() = default;
  /// Monotonic time in microseconds (any epoch).
  virtual int64_t NowMicros() = 0;
  /// Waits on `cv` (whose mutex `lock` holds) until notified, woken
  /// spuriously, or NowMicros() reaches `deadline_micros`. Callers re-check
  /// their condition in a loop, as with any condition variable.
  virtual void WaitUntil(std::condition_variable& cv, std::unique_lock<std::mutex>& lock,
                         int64_t deadline_micros) = 0;
};

/// std::chrono::steady_clock.
class SteadyClock final : public Clock {
 public:
  int64_t NowMicros() override;
  void WaitUntil(std::condition_variable& cv, std::unique_lock<std::mutex>& lock,
                 int64_t deadline_micros) override;
  /// A process-wide instance.
  static SteadyClock* Get();
};

}  // namespace vit::server
