// Bounds the files between being admitted by the walker and their row being
// written, so memory stays bounded whatever the folder size.
#pragma once

#include <condition_variable>
#include <mutex>

namespace vit::score {

class InFlightWindow {
 public:
  explicit InFlightWindow(int limit) : limit_(limit < 1 ? 1 : limit) {}

  /// Blocks while `limit` files are in flight; false once cancelled.
  bool Acquire() {
    std::unique_lock<std::mutex> lock(mu_);
    ++waiting_;
    changed_.wait(lock, [&] { return cancelled_ || in_flight_ < limit_; });
    --waiting_;
    if (cancelled_) return false;
    ++in_flight_;
    return true;
  }
  void Release() {
    std::lock_guard<std::mutex> lock(mu_);
    --in_flight_;
    changed_.notify_all();
  }
  void Cancel() {
    std::lock_guard<std::mutex> lock(mu_);
    cancelled_ = true;
    changed_.notify_all();
  }
  /// True while someone waits in Acquire (the window is full).
  bool HasWaiter() const {
    std::lock_guard<std::mutex> lock(mu_);
    return waiting_ > 0;
  }

 private:
  const int limit_;
  mutable std::mutex mu_;  // guards the counters and cancelled_
  std::condition_variable changed_;
  int in_flight_ = 0;
  int waiting_ = 0;
  bool cancelled_ = false;
};

}  // namespace vit::score
