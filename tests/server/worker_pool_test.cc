#include "server/worker_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>

namespace vit::server {
namespace {

TEST(WorkerPoolTest, RunsEveryJob) {
  std::atomic<int> ran{0};
  {
    WorkerPool pool(WorkerPoolOptions{/*num_threads=*/3, /*max_queue_size=*/0});
    for (int i = 0; i < 1000; ++i) ASSERT_TRUE(pool.TrySubmit([&] { ++ran; }).ok());
    pool.Stop();
  }
  EXPECT_EQ(ran.load(), 1000);
}

TEST(WorkerPoolTest, FullQueueIsRejected) {
  WorkerPool pool(WorkerPoolOptions{/*num_threads=*/1, /*max_queue_size=*/1});
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::promise<void> started;
  ASSERT_TRUE(pool.TrySubmit([&] {
                    started.set_value();
                    released.wait();
                  })
                  .ok());
  started.get_future().wait();  // the worker is busy; the queue is empty
  ASSERT_TRUE(pool.TrySubmit([] {}).ok());
  Status full = pool.TrySubmit([] {});
  EXPECT_EQ(full.code(), StatusCode::kResourceExhausted);
  release.set_value();
  pool.Stop();
  EXPECT_EQ(pool.TrySubmit([] {}).code(), StatusCode::kUnavailable);
}

}  // namespace
}  // namespace vit::server
