#include "server/batch_executor.h"

#include <algorithm>
#include <exception>
#include <limits>
#include <string>
#include <utility>

namespace vit::server {

BatchQueue::BatchQueue(BatchExecutor* executor, const BatchSchedulerOptions& options,
                       BatchCallback callback)
    : executor_(executor), options_(options), callback_(std::move(callback)) {}

BatchQueue::~BatchQueue() { Close(/*drain=*/false); }

Status BatchQueue::Schedule(std::unique_ptr<BatchTask>* task) {
  std::lock_guard<std::mutex> lock(executor_->mu_);
  if (executor_->stopping_) return UnavailableError("server is shutting down");
  if (closed_) return UnavailableError("the model is being unloaded or the server is stopping");
  if (options_.max_queue_size > 0 && tasks_.size() >= static_cast<size_t>(options_.max_queue_size))
    return ResourceExhaustedError("batch queue is full (" +
                                  std::to_string(options_.max_queue_size) +
                                  " requests, --max-queue-size); retry later");
  (*task)->enqueue_micros = executor_->clock_->NowMicros();
  tasks_.push_back(std::move(*task));
  executor_->cv_.notify_one();
  return Status::Ok();
}

size_t BatchQueue::NumQueuedTasks() const {
  std::lock_guard<std::mutex> lock(executor_->mu_);
  return tasks_.size();
}

void BatchQueue::Close(bool drain) {
  std::deque<std::unique_ptr<BatchTask>> dropped;
  {
    std::unique_lock<std::mutex> lock(executor_->mu_);
    closed_ = true;
    if (!drain) dropped.swap(tasks_);
    executor_->cv_.notify_all();
    executor_->idle_cv_.wait(
        lock, [this] { return (tasks_.empty() && !running_) || executor_->exited_; });
    for (auto& task : tasks_) dropped.push_back(std::move(task));  // the executor is gone
    tasks_.clear();
    if (!removed_) {
      auto& queues = executor_->queues_;
      queues.erase(std::remove(queues.begin(), queues.end(), this), queues.end());
      removed_ = true;
    }
  }
  for (auto& task : dropped)
    task->Fail(UnavailableError("the model is being unloaded or the server is stopping"));
}

BatchExecutor::BatchExecutor(Clock* clock) : clock_(clock != nullptr ? clock : SteadyClock::Get()) {
  thread_ = std::thread([this] { Loop(); });
}

BatchExecutor::~BatchExecutor() { Stop(/*drain=*/false); }

StatusOr<std::shared_ptr<BatchQueue>> BatchExecutor::AddQueue(const BatchSchedulerOptions& options,
                                                              BatchQueue::BatchCallback callback) {
  VIT_RETURN_IF_ERROR(ValidateBatchSchedulerOptions(options));
  std::shared_ptr<BatchQueue> queue(new BatchQueue(this, options, std::move(callback)));
  std::lock_guard<std::mutex> lock(mu_);
  if (stopping_) return UnavailableError("server is shutting down");
  queues_.push_back(queue.get());
  return queue;
}

Status BatchExecutor::RunExclusive(const std::function<Status()>& job) {
  std::unique_lock<std::mutex> lock(mu_);
  if (stopping_) return UnavailableError("server is shutting down");
  bool done = false;
  Status status;
  exclusive_.push_back([&] {
    Status result;
    try {
      result = job();
    } catch (const std::exception& e) {
      result = InternalError(std::string("exclusive job failed: ") + e.what());
    }
    std::lock_guard<std::mutex> guard(mu_);
    status = std::move(result);
    done = true;
  });
  cv_.notify_one();
  idle_cv_.wait(lock, [&] { return done || exited_; });
  return done ? status : UnavailableError("server is shutting down");
}

void BatchExecutor::Wake() {
  std::lock_guard<std::mutex> lock(mu_);
  cv_.notify_all();
}

void BatchExecutor::Stop(bool drain) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!stopping_) drain_ = drain;
    if (!drain) drain_ = false;  // a later Stop(false) cancels a drain in progress
    stopping_ = true;
    cv_.notify_all();
  }
  std::lock_guard<std::mutex> join_lock(join_mu_);
  if (thread_.joinable()) thread_.join();
}

std::vector<std::unique_ptr<BatchTask>> BatchExecutor::TakeDeadTasksLocked(
    int64_t now, std::vector<Status>* reasons) {
  std::vector<std::unique_ptr<BatchTask>> dead;
  for (BatchQueue* queue : queues_) {
    auto& tasks = queue->tasks_;
    for (auto it = tasks.begin(); it != tasks.end();) {
      BatchTask& task = **it;
      Status reason;
      if (stopping_ && !drain_) {
        reason = UnavailableError("server is shutting down");
      } else if (DeadlinePassed(task, now)) {
        reason = DeadlineExceededError("deadline passed after " +
                                       std::to_string(now - task.enqueue_micros) +
                                       " us in the batch queue; not computed");
      } else if (task.Cancelled()) {
        // gRPC cancels a call whose deadline passed too: checked after it.
        reason = UnavailableError("the client cancelled the call; dropped before computing");
      }
      if (reason.ok()) {
        ++it;
        continue;
      }
      dead.push_back(std::move(*it));
      reasons->push_back(std::move(reason));
      it = tasks.erase(it);
    }
  }
  return dead;
}

BatchExecutor::Choice BatchExecutor::ChooseLocked(int64_t now, int64_t* wake_micros) const {
  Choice best;
  int64_t best_age = 0;
  for (BatchQueue* queue : queues_) {
    const auto& tasks = queue->tasks_;
    if (tasks.empty()) continue;
    const size_t max_batch = static_cast<size_t>(queue->options_.max_batch_size);
    int64_t flush_at = 0;
    const size_t size = (queue->closed_ || stopping_)
                            ? std::min(tasks.size(), max_batch)
                            : BatchSizeToClose(queue->options_, tasks.size(),
                                               tasks.front()->enqueue_micros, now, &flush_at);
    if (size > 0) {
      const int64_t age = now - tasks.front()->enqueue_micros;
      if (best.queue == nullptr || age > best_age) {
        best = Choice{queue, size};
        best_age = age;
      }
      continue;
    }
    *wake_micros = std::min(*wake_micros, flush_at);
    for (const auto& task : tasks) {
      if (task->deadline_micros != 0) *wake_micros = std::min(*wake_micros, task->deadline_micros);
    }
  }
  return best;
}

void BatchExecutor::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    const int64_t now = clock_->NowMicros();
    std::vector<Status> reasons;
    std::vector<std::unique_ptr<BatchTask>> dead = TakeDeadTasksLocked(now, &reasons);
    if (!dead.empty()) {
      lock.unlock();
      for (size_t i = 0; i < dead.size(); ++i) dead[i]->Fail(reasons[i]);
      dead.clear();
      lock.lock();
      idle_cv_.notify_all();
      continue;
    }
    if (!exclusive_.empty()) {
      std::function<void()> job = std::move(exclusive_.front());
      exclusive_.pop_front();
      lock.unlock();
      job();
      lock.lock();
      idle_cv_.notify_all();
      continue;
    }
    int64_t wake_micros = std::numeric_limits<int64_t>::max();
    const Choice choice = ChooseLocked(now, &wake_micros);
    if (choice.queue != nullptr) {
      BatchQueue* queue = choice.queue;
      BatchQueue::Batch batch;
      batch.reserve(choice.size);
      for (size_t i = 0; i < choice.size; ++i) {
        queue->tasks_.front()->dequeue_micros = now;
        batch.push_back(std::move(queue->tasks_.front()));
        queue->tasks_.pop_front();
      }
      queue->running_ = true;
      lock.unlock();
      try {
        queue->callback_(std::move(batch));
      } catch (const std::exception&) {
        // Tasks the callback left unfinished were failed by their destructors.
      }
      lock.lock();
      queue->running_ = false;
      idle_cv_.notify_all();
      continue;
    }
    const bool all_empty = std::all_of(queues_.begin(), queues_.end(),
                                       [](const BatchQueue* q) { return q->tasks_.empty(); });
    if (stopping_ && all_empty) {
      exited_ = true;
      idle_cv_.notify_all();
      return;
    }
    if (wake_micros == std::numeric_limits<int64_t>::max()) {
      cv_.wait(lock);
    } else {
      clock_->WaitUntil(cv_, lock, wake_micros);
    }
  }
}

}  // namespace vit::server
