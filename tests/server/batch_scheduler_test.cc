#include "server/batch_scheduler.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "tests/server/fake_clock.h"

namespace vit::server {
namespace {

using testing::FakeClock;

// Records what happened to every task: the batches that ran and the failures.
class Recorder {
 public:
  void AddBatch(std::vector<int> ids) {
    std::lock_guard<std::mutex> lock(mu_);
    batches_.push_back(std::move(ids));
    cv_.notify_all();
  }
  void AddFailure(int id, StatusCode code) {
    std::lock_guard<std::mutex> lock(mu_);
    EXPECT_EQ(failures_.count(id), 0u) << "task " << id << " failed twice";
    failures_[id] = code;
    cv_.notify_all();
  }
  // Waits (real time, 5 s at most) until `batches` batches and `failures`
  // failures have been recorded.
  bool WaitFor(size_t batches, size_t failures) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(5),
                        [&] { return batches_.size() >= batches && failures_.size() >= failures; });
  }
  std::vector<std::vector<int>> batches() {
    std::lock_guard<std::mutex> lock(mu_);
    return batches_;
  }
  std::map<int, StatusCode> failures() {
    std::lock_guard<std::mutex> lock(mu_);
    return failures_;
  }

 private:
  std::mutex mu_;  // guards batches_ and failures_
  std::condition_variable cv_;
  std::vector<std::vector<int>> batches_;
  std::map<int, StatusCode> failures_;
};

struct FakeTask : BatchTask {
  FakeTask(int id, Recorder* recorder) : id(id), recorder(recorder) {}
  void Fail(const Status& status) override { recorder->AddFailure(id, status.code()); }
  int id;
  Recorder* recorder;
};

class BatchSchedulerTest : public ::testing::Test {
 protected:
  std::unique_ptr<BatchScheduler<FakeTask>> MakeScheduler(BatchSchedulerOptions options) {
    options.clock = &clock_;
    std::unique_ptr<BatchScheduler<FakeTask>> scheduler;
    Status status = BatchScheduler<FakeTask>::Create(
        options,
        [this](BatchScheduler<FakeTask>::Batch batch) {
          std::vector<int> ids;
          for (const auto& task : batch) ids.push_back(task->id);
          recorder_.AddBatch(ids);
        },
        &scheduler);
    EXPECT_TRUE(status.ok()) << status.ToString();
    return scheduler;
  }
  Status Schedule(BatchScheduler<FakeTask>* scheduler, int id, int64_t deadline = 0) {
    auto task = std::make_unique<FakeTask>(id, &recorder_);
    task->deadline_micros = deadline;
    Status status = scheduler->Schedule(&task);
    EXPECT_EQ(status.ok(), task == nullptr) << "ownership moves exactly on OK";
    return status;
  }

  FakeClock clock_;
  Recorder recorder_;
};

TEST_F(BatchSchedulerTest, BatchesCloseAtMaxSize) {
  BatchSchedulerOptions options;
  options.max_batch_size = 4;
  options.max_queue_delay_microseconds = 1'000'000;
  auto scheduler = MakeScheduler(options);
  for (int id = 0; id < 9; ++id) ASSERT_TRUE(Schedule(scheduler.get(), id).ok());
  ASSERT_TRUE(recorder_.WaitFor(2, 0));
  // The ninth task waits for the delay: the scheduler sleeps until t = 1 s.
  ASSERT_TRUE(clock_.BlockUntilWaiting(1'000'000));
  EXPECT_EQ(recorder_.batches(), (std::vector<std::vector<int>>{{0, 1, 2, 3}, {4, 5, 6, 7}}));
  EXPECT_EQ(scheduler->NumQueuedTasks(), 1u);
}

TEST_F(BatchSchedulerTest, PartialBatchFlushesAtTheDelay) {
  BatchSchedulerOptions options;
  options.max_batch_size = 8;
  options.max_queue_delay_microseconds = 1000;
  auto scheduler = MakeScheduler(options);
  for (int id = 0; id < 3; ++id) ASSERT_TRUE(Schedule(scheduler.get(), id).ok());
  ASSERT_TRUE(clock_.BlockUntilWaiting(1000));
  clock_.AdvanceMicros(999);
  ASSERT_TRUE(clock_.BlockUntilWaiting(1000));
  EXPECT_TRUE(recorder_.batches().empty()) << "flushed before the delay";
  clock_.AdvanceMicros(1);
  ASSERT_TRUE(recorder_.WaitFor(1, 0));
  EXPECT_EQ(recorder_.batches(), (std::vector<std::vector<int>>{{0, 1, 2}}));
}

TEST_F(BatchSchedulerTest, ZeroDelayRunsWhatIsQueued) {
  BatchSchedulerOptions options;
  options.max_batch_size = 8;
  options.max_queue_delay_microseconds = 0;
  auto scheduler = MakeScheduler(options);
  ASSERT_TRUE(Schedule(scheduler.get(), 7).ok());
  ASSERT_TRUE(recorder_.WaitFor(1, 0));
  EXPECT_EQ(recorder_.batches(), (std::vector<std::vector<int>>{{7}}));
}

TEST_F(BatchSchedulerTest, FullQueueIsRetryable) {
  BatchSchedulerOptions options;
  options.max_batch_size = 8;
  options.max_queue_delay_microseconds = 1'000'000;
  options.max_queue_size = 2;
  auto scheduler = MakeScheduler(options);
  ASSERT_TRUE(Schedule(scheduler.get(), 0).ok());
  ASSERT_TRUE(Schedule(scheduler.get(), 1).ok());
  Status full = Schedule(scheduler.get(), 2);
  EXPECT_EQ(full.code(), StatusCode::kResourceExhausted) << full.ToString();
  EXPECT_NE(full.message().find("--max-queue-size"), std::string::npos);
  EXPECT_TRUE(recorder_.failures().empty()) << "a rejected task stays with the caller";
  // Once the queue drains there is room again.
  clock_.AdvanceMicros(1'000'000);
  ASSERT_TRUE(recorder_.WaitFor(1, 0));
  EXPECT_TRUE(Schedule(scheduler.get(), 3).ok());
}

TEST_F(BatchSchedulerTest, ExpiredTasksAreFailedNotComputed) {
  BatchSchedulerOptions options;
  options.max_batch_size = 8;
  options.max_queue_delay_microseconds = 1000;
  auto scheduler = MakeScheduler(options);
  ASSERT_TRUE(Schedule(scheduler.get(), 0, /*deadline=*/500).ok());
  ASSERT_TRUE(Schedule(scheduler.get(), 1).ok());
  ASSERT_TRUE(Schedule(scheduler.get(), 2, /*deadline=*/5000).ok());
  // The scheduler wakes at the earliest deadline, not only at the delay.
  ASSERT_TRUE(clock_.BlockUntilWaiting(500));
  clock_.AdvanceMicros(500);
  ASSERT_TRUE(recorder_.WaitFor(0, 1));
  EXPECT_EQ(recorder_.failures(), (std::map<int, StatusCode>{{0, StatusCode::kDeadlineExceeded}}));
  EXPECT_TRUE(recorder_.batches().empty());
  clock_.AdvanceMicros(500);
  ASSERT_TRUE(recorder_.WaitFor(1, 1));
  EXPECT_EQ(recorder_.batches(), (std::vector<std::vector<int>>{{1, 2}}));
}

TEST_F(BatchSchedulerTest, PreferredBatchSizeClosesEarly) {
  BatchSchedulerOptions options;
  options.max_batch_size = 8;
  options.max_queue_delay_microseconds = 1000;
  options.preferred_batch_sizes = {2};
  auto scheduler = MakeScheduler(options);
  for (int id = 0; id < 3; ++id) ASSERT_TRUE(Schedule(scheduler.get(), id).ok());
  ASSERT_TRUE(recorder_.WaitFor(1, 0));
  ASSERT_TRUE(clock_.BlockUntilWaiting(1000));
  EXPECT_EQ(recorder_.batches(), (std::vector<std::vector<int>>{{0, 1}}));
  clock_.AdvanceMicros(1000);
  ASSERT_TRUE(recorder_.WaitFor(2, 0));
  EXPECT_EQ(recorder_.batches().back(), std::vector<int>{2});
}

TEST_F(BatchSchedulerTest, StopWithoutDrainFailsQueuedTasksUnavailable) {
  BatchSchedulerOptions options;
  options.max_queue_delay_microseconds = 1'000'000;
  auto scheduler = MakeScheduler(options);
  ASSERT_TRUE(Schedule(scheduler.get(), 0).ok());
  ASSERT_TRUE(Schedule(scheduler.get(), 1).ok());
  scheduler->Stop(/*drain=*/false);
  EXPECT_EQ(recorder_.failures(), (std::map<int, StatusCode>{{0, StatusCode::kUnavailable},
                                                             {1, StatusCode::kUnavailable}}));
  EXPECT_EQ(Schedule(scheduler.get(), 2).code(), StatusCode::kUnavailable);
  EXPECT_TRUE(recorder_.batches().empty());
}

TEST_F(BatchSchedulerTest, StopWithDrainRunsQueuedTasks) {
  BatchSchedulerOptions options;
  options.max_batch_size = 2;
  options.max_queue_delay_microseconds = 1'000'000;
  auto scheduler = MakeScheduler(options);
  for (int id = 0; id < 3; ++id) ASSERT_TRUE(Schedule(scheduler.get(), id).ok());
  scheduler->Stop(/*drain=*/true);
  EXPECT_TRUE(recorder_.failures().empty());
  size_t ran = 0;
  for (const auto& batch : recorder_.batches()) ran += batch.size();
  EXPECT_EQ(ran, 3u);
}

TEST(BatchSchedulerOptionsTest, CreateRejectsBadOptions) {
  auto create = [](BatchSchedulerOptions options) {
    std::unique_ptr<BatchScheduler<FakeTask>> scheduler;
    return BatchScheduler<FakeTask>::Create(
        options, [](auto) {}, &scheduler);
  };
  BatchSchedulerOptions options;
  options.max_batch_size = 0;
  EXPECT_EQ(create(options).code(), StatusCode::kInvalidArgument);
  options = {};
  options.max_queue_delay_microseconds = -1;
  EXPECT_EQ(create(options).code(), StatusCode::kInvalidArgument);
  options = {};
  options.preferred_batch_sizes = {9};
  Status status = create(options);
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("preferred_batch_sizes"), std::string::npos);
}

// Real clock, many producers: every accepted task is either batched or
// failed exactly once, and every rejected one stays with its producer.
TEST(BatchSchedulerStressTest, EveryTaskCompletesExactlyOnce) {
  Recorder recorder;
  std::atomic<int> batched{0};
  BatchSchedulerOptions options;
  options.max_batch_size = 16;
  options.max_queue_delay_microseconds = 200;
  options.max_queue_size = 64;
  std::unique_ptr<BatchScheduler<FakeTask>> scheduler;
  ASSERT_TRUE(BatchScheduler<FakeTask>::Create(
                  options,
                  [&](BatchScheduler<FakeTask>::Batch batch) {
                    EXPECT_LE(batch.size(), 16u);
                    batched += static_cast<int>(batch.size());
                  },
                  &scheduler)
                  .ok());
  constexpr int kThreads = 8, kPerThread = 2000;
  std::atomic<int> accepted{0}, rejected{0};
  std::vector<std::thread> producers;
  for (int t = 0; t < kThreads; ++t) {
    producers.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        auto task = std::make_unique<FakeTask>(t * kPerThread + i, &recorder);
        // Every fourth task has a deadline that may pass while queued.
        if (i % 4 == 0) task->deadline_micros = SteadyClock::Get()->NowMicros() + 100;
        Status status = scheduler->Schedule(&task);
        if (status.ok()) {
          ++accepted;
        } else {
          ASSERT_EQ(status.code(), StatusCode::kResourceExhausted);
          ASSERT_NE(task, nullptr);
          ++rejected;
        }
      }
    });
  }
  for (auto& producer : producers) producer.join();
  scheduler->Stop(/*drain=*/true);
  EXPECT_EQ(accepted + rejected, kThreads * kPerThread);
  const auto failures = recorder.failures();
  for (const auto& [id, code] : failures) EXPECT_EQ(code, StatusCode::kDeadlineExceeded);
  EXPECT_EQ(batched.load() + static_cast<int>(failures.size()), accepted.load());
}

}  // namespace
}  // namespace vit::server
