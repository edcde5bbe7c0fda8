// A dynamic batch scheduler in the shape of TensorFlow Serving's
// BasicBatchScheduler, with Triton's knob names: tasks are queued by
// Schedule() and handed to a callback in batches on one dedicated thread.
// Free of LibTorch and gRPC so it can run under ThreadSanitizer.
#pragma once

#include <algorithm>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <limits>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "common/status.h"
#include "server/clock.h"

namespace vit::server {

/// What the scheduler needs of a task. Derive your task type from it.
struct BatchTask {
  virtual ~BatchTask() = default;
  /// Absolute deadline on the scheduler's clock in microseconds, set before
  /// Schedule(); 0 = none. A task whose deadline has passed when its batch
  /// would close is failed with DEADLINE_EXCEEDED and never computed.
  int64_t deadline_micros = 0;
  /// Set by the scheduler: when Schedule() accepted the task.
  int64_t enqueue_micros = 0;
  /// Set by the scheduler: when the task's batch closed.
  int64_t dequeue_micros = 0;
  /// Completes the task with an error instead of a result (expired, or the
  /// scheduler stopped without draining). Called at most once per task.
  virtual void Fail(const Status& status) = 0;
  /// True once the caller gave up on the task (the client cancelled): the
  /// BatchExecutor then fails it instead of computing it. Thread-safe.
  virtual bool Cancelled() const { return false; }
};

/// gRPC sends a deadline as a relative timeout, so the server's copy of it
/// runs late by the request's transit time, and the client's own cancellation
/// at its deadline can arrive first (seen under ctest -j2 load in
/// ServiceTest.DeadlinePassedWhileQueuedIsNotComputed, a 100 ms call). A
/// cancellation this close to the deadline is the deadline.
constexpr int64_t kCancelAtDeadlineMicros = 20'000;

/// True when `task` has a deadline and, at `now`, it has passed, or the task
/// was cancelled within kCancelAtDeadlineMicros of it: it is then failed as
/// DEADLINE_EXCEEDED, not as a cancellation.
bool DeadlinePassed(const BatchTask& task, int64_t now);

struct BatchSchedulerOptions {
  /// Largest batch handed to the callback; >= 1. Default 8.
  int max_batch_size = 8;
  /// How long the oldest queued task may wait for the batch to fill before a
  /// partial batch closes; 0 = close whatever is queued as soon as the
  /// batching thread is free (batches still grow while a batch runs).
  /// Default 1000.
  int64_t max_queue_delay_microseconds = 1000;
  /// Tasks that may wait in the queue; Schedule() beyond that returns
  /// RESOURCE_EXHAUSTED at once. 0 = unbounded. Default 256.
  int max_queue_size = 256;
  /// Batch sizes to prefer, each in [1, max_batch_size]; empty = none.
  /// When the queue holds the largest preferred size, a batch of that size
  /// closes at once; when the delay expires, the largest preferred size not
  /// above the queue length closes (else everything queued, up to
  /// max_batch_size). Default empty.
  std::vector<int> preferred_batch_sizes;
  /// Time source; nullptr = SteadyClock. Typically only overridden by tests.
  Clock* clock = nullptr;
};

/// Checks option ranges; the message names the bad field.
Status ValidateBatchSchedulerOptions(const BatchSchedulerOptions& options);

/// Triton's dynamic batching rule: how many of `queued` tasks (> 0) to batch
/// at `now`, the oldest accepted at `oldest_enqueue_micros`; 0 = none yet,
/// and then `*flush_at_micros` is when the delay ends.
size_t BatchSizeToClose(const BatchSchedulerOptions& options, size_t queued,
                        int64_t oldest_enqueue_micros, int64_t now, int64_t* flush_at_micros);

template <typename TaskT>
class BatchScheduler {
  static_assert(std::is_base_of_v<BatchTask, TaskT>, "TaskT must derive from BatchTask");

 public:
  using Batch = std::vector<std::unique_ptr<TaskT>>;
  /// Runs on the batching thread, one batch at a time; owns the batch and
  /// must complete every task in it.
  using BatchCallback = std::function<void(Batch batch)>;

  static Status Create(const BatchSchedulerOptions& options, BatchCallback callback,
                       std::unique_ptr<BatchScheduler>* scheduler) {
    VIT_RETURN_IF_ERROR(ValidateBatchSchedulerOptions(options));
    scheduler->reset(new BatchScheduler(options, std::move(callback)));
    return Status::Ok();
  }

  BatchScheduler(const BatchScheduler&) = delete;
  BatchScheduler& operator=(const BatchScheduler&) = delete;
  ~BatchScheduler() { Stop(/*drain=*/false); }

  /// Queues `*task` and takes ownership on OK. Never blocks on batching:
  /// RESOURCE_EXHAUSTED when the queue is full (retryable), UNAVAILABLE once
  /// Stop() has begun; in both cases `*task` stays with the caller.
  Status Schedule(std::unique_ptr<TaskT>* task) {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return UnavailableError("server is shutting down");
    if (options_.max_queue_size > 0 &&
        queue_.size() >= static_cast<size_t>(options_.max_queue_size)) {
      return ResourceExhaustedError("batch queue is full (" +
                                    std::to_string(options_.max_queue_size) +
                                    " requests, --max-queue-size); retry later");
    }
    (*task)->enqueue_micros = clock_->NowMicros();
    queue_.push_back(std::move(*task));
    cv_.notify_one();
    return Status::Ok();
  }

  /// Tasks waiting for a batch.
  size_t NumQueuedTasks() const {
    std::lock_guard<std::mutex> lock(mu_);
    return queue_.size();
  }

  const BatchSchedulerOptions& options() const { return options_; }

  /// Stops accepting tasks, then runs the queued ones in batches (`drain`) or
  /// fails them with UNAVAILABLE, and joins the batching thread. Idempotent.
  void Stop(bool drain) {
    std::deque<std::unique_ptr<TaskT>> dropped;
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
      if (!drain) dropped.swap(queue_);
      cv_.notify_all();
    }
    for (auto& task : dropped) task->Fail(UnavailableError("server is shutting down"));
    std::lock_guard<std::mutex> join_lock(join_mu_);
    if (thread_.joinable()) thread_.join();
  }

 private:
  BatchScheduler(const BatchSchedulerOptions& options, BatchCallback callback)
      : options_(options),
        clock_(options.clock != nullptr ? options.clock : SteadyClock::Get()),
        callback_(std::move(callback)) {
    thread_ = std::thread([this] { Loop(); });
  }

  void Loop() {
    std::unique_lock<std::mutex> lock(mu_);
    while (true) {
      const int64_t now = clock_->NowMicros();
      std::vector<std::unique_ptr<TaskT>> expired = TakeExpiredLocked(now);
      if (!expired.empty()) {
        lock.unlock();
        for (auto& task : expired) {
          task->Fail(DeadlineExceededError("deadline passed after " +
                                           std::to_string(now - task->enqueue_micros) +
                                           " us in the batch queue; not computed"));
        }
        expired.clear();
        lock.lock();
        continue;
      }
      if (queue_.empty()) {
        if (stopping_) return;
        cv_.wait(lock);
        continue;
      }
      int64_t wake_micros = 0;
      const size_t size = stopping_ ? std::min(queue_.size(), MaxBatch())
                                    : BatchSizeToCloseLocked(now, &wake_micros);
      if (size == 0) {
        clock_->WaitUntil(cv_, lock, wake_micros);
        continue;
      }
      Batch batch;
      batch.reserve(size);
      for (size_t i = 0; i < size; ++i) {
        queue_.front()->dequeue_micros = now;
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      lock.unlock();
      callback_(std::move(batch));
      lock.lock();
    }
  }

  size_t MaxBatch() const { return static_cast<size_t>(options_.max_batch_size); }

  // Removes queued tasks whose deadline is at or before `now`.
  std::vector<std::unique_ptr<TaskT>> TakeExpiredLocked(int64_t now) {
    std::vector<std::unique_ptr<TaskT>> expired;
    for (auto it = queue_.begin(); it != queue_.end();) {
      if ((*it)->deadline_micros != 0 && (*it)->deadline_micros <= now) {
        expired.push_back(std::move(*it));
        it = queue_.erase(it);
      } else {
        ++it;
      }
    }
    return expired;
  }

  // How many tasks to batch now; 0 = none yet, and then `*wake_micros` is
  // when to look again (the delay's end or the earliest task deadline).
  size_t BatchSizeToCloseLocked(int64_t now, int64_t* wake_micros) const {
    int64_t flush_at = 0;
    const size_t size =
        BatchSizeToClose(options_, queue_.size(), queue_.front()->enqueue_micros, now, &flush_at);
    if (size > 0) return size;
    *wake_micros = flush_at;
    for (const auto& task : queue_) {
      if (task->deadline_micros != 0) *wake_micros = std::min(*wake_micros, task->deadline_micros);
    }
    return 0;
  }

  const BatchSchedulerOptions options_;
  Clock* const clock_;
  const BatchCallback callback_;

  mutable std::mutex mu_;       // guards queue_ and stopping_
  std::condition_variable cv_;  // signalled on Schedule() and Stop()
  std::deque<std::unique_ptr<TaskT>> queue_;
  bool stopping_ = false;

  std::mutex join_mu_;  // serializes joining thread_ from concurrent Stop() calls
  std::thread thread_;
};

}  // namespace vit::server
