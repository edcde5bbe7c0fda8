// One inference thread shared by every served model (one CPU budget): each
// model version has a BatchQueue with its own batching options, and the
// executor runs, one at a time, the batch that is ready and whose oldest task
// has waited longest. So at most one model computes at any moment, with all
// of --threads, whatever the number of models. Tasks that expired or were
// cancelled while queued are failed, never computed. Free of LibTorch and
// gRPC so it runs under ThreadSanitizer.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "common/status.h"
#include "server/batch_scheduler.h"
#include "server/clock.h"

namespace vit::server {

class BatchExecutor;

/// One model version's queue on a BatchExecutor. Thread-safe.
class BatchQueue {
 public:
  using Batch = std::vector<std::unique_ptr<BatchTask>>;
  /// Runs on the executor's thread; owns the batch and must complete every
  /// task in it.
  using BatchCallback = std::function<void(Batch batch)>;

  BatchQueue(const BatchQueue&) = delete;
  BatchQueue& operator=(const BatchQueue&) = delete;
  ~BatchQueue();  // Close(/*drain=*/false)

  /// Queues `*task` and takes ownership on OK. Never blocks on batching:
  /// RESOURCE_EXHAUSTED when the queue is full (retryable), UNAVAILABLE once
  /// closed; in both cases `*task` stays with the caller.
  Status Schedule(std::unique_ptr<BatchTask>* task);
  /// Tasks waiting for a batch.
  size_t NumQueuedTasks() const;
  const BatchSchedulerOptions& options() const { return options_; }
  /// Stops accepting; runs the queued tasks at once without waiting for the
  /// batching delay (`drain`) or fails them with UNAVAILABLE; returns when no
  /// batch of this queue is queued or running. Idempotent. Never call it from
  /// the executor's thread (a batch callback).
  void Close(bool drain);

 private:
  friend class BatchExecutor;
  BatchQueue(BatchExecutor* executor, const BatchSchedulerOptions& options, BatchCallback callback);

  BatchExecutor* const executor_;
  const BatchSchedulerOptions options_;
  const BatchCallback callback_;
  // Guarded by executor_->mu_:
  std::deque<std::unique_ptr<BatchTask>> tasks_;
  bool closed_ = false;
  bool running_ = false;  // a batch of this queue is in its callback
  bool removed_ = false;  // no longer in executor_->queues_
};

class BatchExecutor {
 public:
  /// Starts the executor thread. `clock`: nullptr = SteadyClock (tests pass
  /// a fake one); it must outlive the executor.
  explicit BatchExecutor(Clock* clock = nullptr);
  BatchExecutor(const BatchExecutor&) = delete;
  BatchExecutor& operator=(const BatchExecutor&) = delete;
  ~BatchExecutor();  // Stop(/*drain=*/false)

  /// A new queue whose batches run `callback` on the executor's thread.
  /// INVALID_ARGUMENT for bad options, UNAVAILABLE after Stop().
  StatusOr<std::shared_ptr<BatchQueue>> AddQueue(const BatchSchedulerOptions& options,
                                                 BatchQueue::BatchCallback callback);
  /// Runs `job` on the executor's thread between two batches (no batch runs
  /// meanwhile) and returns its status: model warm-up, so that loading a
  /// model never computes beside a serving one. UNAVAILABLE after Stop().
  /// Never call it from the executor's thread.
  Status RunExclusive(const std::function<Status()>& job);
  /// Makes the executor look at its queues now: call after cancelling a
  /// queued task so that it is failed (and its caller answered) at once.
  void Wake();
  /// Stops accepting new queues and tasks; runs what is queued (`drain`) or
  /// fails it with UNAVAILABLE; joins the thread. Idempotent.
  void Stop(bool drain);
  Clock* clock() const { return clock_; }

 private:
  friend class BatchQueue;
  struct Choice {
    BatchQueue* queue = nullptr;
    size_t size = 0;
  };
  void Loop();
  // Moves expired and cancelled tasks (and, without drain, every task of a
  // closed queue) out of the queues.
  std::vector<std::unique_ptr<BatchTask>> TakeDeadTasksLocked(int64_t now,
                                                              std::vector<Status>* reasons);
  // The ready batch whose oldest task waited longest; else *wake_micros.
  Choice ChooseLocked(int64_t now, int64_t* wake_micros) const;

  Clock* const clock_;
  mutable std::mutex mu_;            // guards everything below and every queue's state
  std::condition_variable cv_;       // work for the executor thread
  std::condition_variable idle_cv_;  // a batch or an exclusive job finished
  std::vector<BatchQueue*> queues_;
  std::deque<std::function<void()>> exclusive_;
  bool stopping_ = false;
  bool drain_ = true;
  bool exited_ = false;
  std::mutex join_mu_;  // serializes joining thread_ from concurrent Stop() calls
  std::thread thread_;
};

}  // namespace vit::server
