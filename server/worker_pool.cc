#include "server/worker_pool.h"

#include <algorithm>

namespace vit::server {

WorkerPool::WorkerPool(const WorkerPoolOptions& options) : options_(options) {
  const int n = std::max(1, options_.num_threads);
  threads_.reserve(n);
  for (int i = 0; i < n; ++i) threads_.emplace_back([this] { WorkerLoop(); });
}

WorkerPool::~WorkerPool() { Stop(); }

Status WorkerPool::TrySubmit(Job job) {
  std::lock_guard<std::mutex> lock(mu_);
  if (stopping_) return UnavailableError("server is shutting down");
  if (options_.max_queue_size > 0 && jobs_.size() >= static_cast<size_t>(options_.max_queue_size)) {
    return ResourceExhaustedError("preprocessing queue is full (" +
                                  std::to_string(options_.max_queue_size) +
                                  " requests, --max-queue-size); retry later");
  }
  jobs_.push_back(std::move(job));
  cv_.notify_one();
  return Status::Ok();
}

size_t WorkerPool::NumQueuedJobs() const {
  std::lock_guard<std::mutex> lock(mu_);
  return jobs_.size();
}

void WorkerPool::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    cv_.notify_all();
  }
  std::lock_guard<std::mutex> join_lock(join_mu_);
  for (auto& thread : threads_) {
    if (thread.joinable()) thread.join();
  }
}

void WorkerPool::WorkerLoop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    cv_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
    if (jobs_.empty()) return;  // stopping and drained
    Job job = std::move(jobs_.front());
    jobs_.pop_front();
    lock.unlock();
    job();
    lock.lock();
  }
}

}  // namespace vit::server
