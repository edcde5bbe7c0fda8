// The shared executor (server/batch_executor.h): several model queues, one
// batch at a time, the oldest waiting first; expired and cancelled tasks are
// failed without being computed; closing a queue drains or fails it.
#include "server/batch_executor.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "tests/server/fake_clock.h"

namespace vit::server {
namespace {

using testing::FakeClock;

// What happened to every task, by id: ran in a batch (with the queue's tag)
// or failed with a code.
class Log {
 public:
  void Ran(const std::string& queue, const std::vector<int>& ids) {
    std::lock_guard<std::mutex> lock(mu_);
    batches_.push_back({queue, ids});
    for (int id : ids) ++outcomes_[id];
    cv_.notify_all();
  }
  void Failed(int id, StatusCode code) {
    std::lock_guard<std::mutex> lock(mu_);
    failures_[id] = code;
    ++outcomes_[id];
    cv_.notify_all();
  }
  bool WaitForOutcomes(size_t n) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(10), [&] { return outcomes_.size() >= n; });
  }
  std::vector<std::pair<std::string, std::vector<int>>> batches() {
    std::lock_guard<std::mutex> lock(mu_);
    return batches_;
  }
  std::map<int, StatusCode> failures() {
    std::lock_guard<std::mutex> lock(mu_);
    return failures_;
  }
  std::map<int, int> outcomes() {
    std::lock_guard<std::mutex> lock(mu_);
    return outcomes_;
  }

 private:
  std::mutex mu_;  // guards everything below
  std::condition_variable cv_;
  std::vector<std::pair<std::string, std::vector<int>>> batches_;
  std::map<int, StatusCode> failures_;
  std::map<int, int> outcomes_;  // id -> times answered
};

struct Task : BatchTask {
  Task(int id, Log* log) : id(id), log(log) {}
  void Fail(const Status& status) override { log->Failed(id, status.code()); }
  bool Cancelled() const override { return cancelled != nullptr && cancelled->load(); }
  int id;
  Log* log;
  const std::atomic<bool>* cancelled = nullptr;
};

BatchQueue::BatchCallback Runner(const std::string& name, Log* log,
                                 std::atomic<int>* running = nullptr,
                                 std::atomic<int>* max_running = nullptr) {
  return [=](BatchQueue::Batch batch) {
    if (running != nullptr) {
      const int now = ++*running;
      int seen = max_running->load();
      while (now > seen && !max_running->compare_exchange_weak(seen, now)) {
      }
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    std::vector<int> ids;
    for (auto& task : batch) ids.push_back(static_cast<Task&>(*task).id);
    if (running != nullptr) --*running;
    log->Ran(name, ids);
  };
}

Status ScheduleTask(BatchQueue* queue, int id, Log* log, int64_t deadline = 0,
                    const std::atomic<bool>* cancelled = nullptr) {
  auto task = std::make_unique<Task>(id, log);
  task->deadline_micros = deadline;
  task->cancelled = cancelled;
  std::unique_ptr<BatchTask> base(std::move(task));
  return queue->Schedule(&base);
}

BatchSchedulerOptions Batching(int max_batch, int64_t delay_us) {
  BatchSchedulerOptions options;
  options.max_batch_size = max_batch;
  options.max_queue_delay_microseconds = delay_us;
  options.max_queue_size = 0;
  return options;
}

TEST(BatchExecutorTest, ModelsNeverComputeAtOnceAndEveryTaskRunsOnce) {
  BatchExecutor executor;
  Log log;
  std::atomic<int> running{0};
  std::atomic<int> max_running{0};
  constexpr int kQueues = 3;
  constexpr int kPerThread = 100;
  std::vector<std::shared_ptr<BatchQueue>> queues;
  for (int q = 0; q < kQueues; ++q) {
    auto queue = executor.AddQueue(Batching(4, 100),
                                   Runner("q" + std::to_string(q), &log, &running, &max_running));
    ASSERT_TRUE(queue.ok()) << queue.status().ToString();
    queues.push_back(*queue);
  }
  std::vector<std::thread> threads;
  for (int q = 0; q < kQueues; ++q) {
    threads.emplace_back([&, q] {
      for (int i = 0; i < kPerThread; ++i)
        EXPECT_TRUE(ScheduleTask(queues[q].get(), q * kPerThread + i, &log).ok());
    });
  }
  for (auto& thread : threads) thread.join();
  ASSERT_TRUE(log.WaitForOutcomes(kQueues * kPerThread));
  EXPECT_EQ(max_running.load(), 1);
  for (const auto& [id, times] : log.outcomes()) EXPECT_EQ(times, 1) << "task " << id;
  EXPECT_TRUE(log.failures().empty());
  for (const auto& [queue, ids] : log.batches()) {
    for (int id : ids) EXPECT_EQ("q" + std::to_string(id / kPerThread), queue) << "mixed batch";
  }
  for (auto& queue : queues) queue->Close(/*drain=*/true);
}

// While the executor is busy, tasks arrive in B first, then in A: when it is
// free, B's batch (whose oldest task waited longest) runs first.
TEST(BatchExecutorTest, OldestWaitingTaskGoesFirst) {
  FakeClock clock;
  BatchExecutor executor(&clock);
  Log log;
  auto a = executor.AddQueue(Batching(8, 0), Runner("a", &log));
  auto b = executor.AddQueue(Batching(8, 0), Runner("b", &log));
  ASSERT_TRUE(a.ok() && b.ok());
  std::mutex mu;
  std::condition_variable cv;
  bool busy = false;
  bool release = false;
  std::thread exclusive([&] {
    Status status = executor.RunExclusive([&] {
      std::unique_lock<std::mutex> lock(mu);
      busy = true;
      cv.notify_all();
      cv.wait(lock, [&] { return release; });
      return Status::Ok();
    });
    EXPECT_TRUE(status.ok());
  });
  {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return busy; });
  }
  ASSERT_TRUE(ScheduleTask(b->get(), 1, &log).ok());
  clock.AdvanceMicros(10);
  ASSERT_TRUE(ScheduleTask(a->get(), 2, &log).ok());
  ASSERT_TRUE(ScheduleTask(b->get(), 3, &log).ok());
  {
    std::lock_guard<std::mutex> lock(mu);
    release = true;
    cv.notify_all();
  }
  exclusive.join();
  ASSERT_TRUE(log.WaitForOutcomes(3));
  const auto batches = log.batches();
  ASSERT_EQ(batches.size(), 2u);
  EXPECT_EQ(batches[0].first, "b");
  EXPECT_EQ(batches[0].second, (std::vector<int>{1, 3}));
  EXPECT_EQ(batches[1].first, "a");
}

TEST(BatchExecutorTest, CancelledTaskIsFailedAtOnceNotComputed) {
  BatchExecutor executor;
  Log log;
  auto queue = executor.AddQueue(Batching(8, 60'000'000), Runner("q", &log));  // 60 s delay
  ASSERT_TRUE(queue.ok());
  std::atomic<bool> cancelled{false};
  ASSERT_TRUE(ScheduleTask(queue->get(), 1, &log, 0, &cancelled).ok());
  ASSERT_TRUE(ScheduleTask(queue->get(), 2, &log).ok());
  cancelled.store(true);
  executor.Wake();
  ASSERT_TRUE(log.WaitForOutcomes(1));
  EXPECT_EQ(log.failures().at(1), StatusCode::kUnavailable);
  EXPECT_EQ((*queue)->NumQueuedTasks(), 1u);
  EXPECT_TRUE(log.batches().empty());
  (*queue)->Close(/*drain=*/true);  // runs task 2 without waiting for the delay
  ASSERT_EQ(log.batches().size(), 1u);
  EXPECT_EQ(log.batches()[0].second, (std::vector<int>{2}));
}

// The client's cancellation at its own deadline can reach the server a few
// ms before the server's copy of that deadline (gRPC sends a relative
// timeout): that is the deadline, not a cancellation.
TEST(BatchExecutorTest, CancelledJustBeforeItsDeadlineIsDeadlineExceeded) {
  FakeClock clock;
  BatchExecutor executor(&clock);
  Log log;
  auto queue = executor.AddQueue(Batching(8, 60'000'000), Runner("q", &log));
  ASSERT_TRUE(queue.ok());
  std::atomic<bool> cancelled{false};
  const int64_t near = kCancelAtDeadlineMicros / 2, far = 50 * kCancelAtDeadlineMicros;
  ASSERT_TRUE(ScheduleTask(queue->get(), 1, &log, /*deadline=*/near, &cancelled).ok());
  ASSERT_TRUE(ScheduleTask(queue->get(), 2, &log, /*deadline=*/far, &cancelled).ok());
  ASSERT_TRUE(ScheduleTask(queue->get(), 3, &log, /*deadline=*/0, &cancelled).ok());
  cancelled.store(true);
  executor.Wake();
  ASSERT_TRUE(log.WaitForOutcomes(3));
  EXPECT_EQ(log.failures().at(1), StatusCode::kDeadlineExceeded);
  EXPECT_EQ(log.failures().at(2), StatusCode::kUnavailable);
  EXPECT_EQ(log.failures().at(3), StatusCode::kUnavailable);
  EXPECT_TRUE(log.batches().empty());
}

TEST(BatchExecutorTest, ExpiredTaskIsFailedNotComputed) {
  FakeClock clock;
  BatchExecutor executor(&clock);
  Log log;
  auto queue = executor.AddQueue(Batching(8, 1000), Runner("q", &log));
  ASSERT_TRUE(queue.ok());
  ASSERT_TRUE(ScheduleTask(queue->get(), 1, &log, /*deadline=*/500).ok());
  ASSERT_TRUE(clock.BlockUntilWaiting(500));
  clock.AdvanceMicros(500);
  ASSERT_TRUE(log.WaitForOutcomes(1));
  EXPECT_EQ(log.failures().at(1), StatusCode::kDeadlineExceeded);
  EXPECT_TRUE(log.batches().empty());
}

TEST(BatchExecutorTest, CloseWithoutDrainFailsQueuedTasksAndRefusesNewOnes) {
  BatchExecutor executor;
  Log log;
  auto queue = executor.AddQueue(Batching(8, 60'000'000), Runner("q", &log));
  ASSERT_TRUE(queue.ok());
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(ScheduleTask(queue->get(), i, &log).ok());
  (*queue)->Close(/*drain=*/false);
  EXPECT_EQ(log.failures().size(), 3u);
  for (const auto& [id, code] : log.failures()) EXPECT_EQ(code, StatusCode::kUnavailable);
  auto late = std::make_unique<Task>(9, &log);
  std::unique_ptr<BatchTask> base(std::move(late));
  EXPECT_EQ((*queue)->Schedule(&base).code(), StatusCode::kUnavailable);
  EXPECT_NE(base, nullptr);  // stays with the caller
  EXPECT_EQ(log.failures().count(9), 0u);
}

TEST(BatchExecutorTest, StopWithoutDrainFailsEveryQueue) {
  BatchExecutor executor;
  Log log;
  auto a = executor.AddQueue(Batching(8, 60'000'000), Runner("a", &log));
  auto b = executor.AddQueue(Batching(8, 60'000'000), Runner("b", &log));
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_TRUE(ScheduleTask(a->get(), 1, &log).ok());
  ASSERT_TRUE(ScheduleTask(b->get(), 2, &log).ok());
  executor.Stop(/*drain=*/false);
  ASSERT_TRUE(log.WaitForOutcomes(2));
  EXPECT_EQ(log.failures().size(), 2u);
  EXPECT_EQ(executor.RunExclusive([] { return Status::Ok(); }).code(), StatusCode::kUnavailable);
  EXPECT_FALSE(executor.AddQueue(Batching(8, 0), Runner("c", &log)).ok());
}

}  // namespace
}  // namespace vit::server
