// A fixed pool of threads with a bounded job queue: where the server decodes
// and preprocesses images, so that gRPC threads never do.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/status.h"

namespace vit::server {

struct WorkerPoolOptions {
  /// Worker threads; >= 1. Default 2.
  int num_threads = 2;
  /// Jobs that may wait for a worker; TrySubmit() beyond that returns
  /// RESOURCE_EXHAUSTED. 0 = unbounded. Default 256.
  int max_queue_size = 256;
};

class WorkerPool {
 public:
  using Job = std::function<void()>;

  explicit WorkerPool(const WorkerPoolOptions& options);
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;
  ~WorkerPool();  // Stop()

  /// Queues `job` without blocking. RESOURCE_EXHAUSTED when the queue is
  /// full, UNAVAILABLE after Stop(); the job is then not run.
  Status TrySubmit(Job job);

  /// Jobs waiting for a worker.
  size_t NumQueuedJobs() const;

  /// Refuses new jobs, runs every queued one, joins the workers. Idempotent.
  void Stop();

 private:
  void WorkerLoop();

  const WorkerPoolOptions options_;
  mutable std::mutex mu_;       // guards jobs_ and stopping_
  std::condition_variable cv_;  // signalled on TrySubmit() and Stop()
  std::deque<Job> jobs_;
  bool stopping_ = false;
  std::mutex join_mu_;  // serializes joining from concurrent Stop() calls
  std::vector<std::thread> threads_;
};

}  // namespace vit::server
