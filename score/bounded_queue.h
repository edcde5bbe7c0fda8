// A blocking FIFO of bounded capacity with Close(): the hand-off between the
// scoring pipeline's stages. Push blocks while full; Pop blocks while empty.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <utility>

namespace vit::score {

template <typename T>
class BoundedQueue {
 public:
  enum class PopResult { kItem, kClosed, kTimeout };

  /// `capacity` >= 1.
  explicit BoundedQueue(size_t capacity) : capacity_(capacity < 1 ? 1 : capacity) {}
  BoundedQueue(const BoundedQueue&) = delete;
  BoundedQueue& operator=(const BoundedQueue&) = delete;

  /// Blocks while full; false (item dropped) once the queue is closed.
  bool Push(T item) {
    std::unique_lock<std::mutex> lock(mu_);
    not_full_.wait(lock, [&] { return closed_ || items_.size() < capacity_; });
    if (closed_) return false;
    items_.push_back(std::move(item));
    not_empty_.notify_one();
    return true;
  }

  /// Blocks while empty and open; false when closed and drained.
  bool Pop(T* item) { return PopFor(item, std::chrono::hours(24 * 365)) == PopResult::kItem; }

  /// Like Pop, but gives up after `timeout`.
  template <typename Rep, typename Period>
  PopResult PopFor(T* item, std::chrono::duration<Rep, Period> timeout) {
    std::unique_lock<std::mutex> lock(mu_);
    if (!not_empty_.wait_for(lock, timeout, [&] { return closed_ || !items_.empty(); }))
      return PopResult::kTimeout;
    if (items_.empty()) return PopResult::kClosed;
    *item = std::move(items_.front());
    items_.pop_front();
    not_full_.notify_one();
    return PopResult::kItem;
  }

  /// Producers' Push fails from now on; consumers drain what is queued.
  void Close() {
    std::lock_guard<std::mutex> lock(mu_);
    closed_ = true;
    not_full_.notify_all();
    not_empty_.notify_all();
  }

  size_t size() const {
    std::lock_guard<std::mutex> lock(mu_);
    return items_.size();
  }

 private:
  const size_t capacity_;
  mutable std::mutex mu_;  // guards items_ and closed_
  std::condition_variable not_full_;
  std::condition_variable not_empty_;
  std::deque<T> items_;
  bool closed_ = false;
};

}  // namespace vit::score
