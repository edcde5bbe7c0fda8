// Cancelled and expired requests are dropped before they are decoded or
// computed, answered once, at once (InferencePipeline over the fake model,
// which counts what it ran). No gRPC: runs under ThreadSanitizer.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "server/inference_pipeline.h"
#include "tests/server/fake_model.h"

namespace vit::server {
namespace {

using testing::FakeBackend;
using testing::FakePreprocessor;

// Counts decode calls.
class CountingPreprocessor final : public Preprocessor {
 public:
  size_t tokens_size() const override { return inner_.tokens_size(); }
  size_t max_image_bytes() const override { return inner_.max_image_bytes(); }
  Status EncodedToTokens(const uint8_t* data, size_t size, float* out) const override {
    ++decoded;
    return inner_.EncodedToTokens(data, size, out);
  }
  StatusOr<std::string> RenderOverlay(const uint8_t* data, size_t size,
                                      const Heatmap& heatmap) const override {
    return inner_.RenderOverlay(data, size, heatmap);
  }
  mutable std::atomic<int> decoded{0};

 private:
  FakePreprocessor inner_;
};

class Answers {
 public:
  InferenceCallback Callback() {
    return [this](const Status& status, InferenceResult) {
      std::lock_guard<std::mutex> lock(mu_);
      statuses_.push_back(status);
      cv_.notify_all();
    };
  }
  // Waits up to `seconds` (real time) for `n` answers.
  bool WaitFor(size_t n, int seconds = 10) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(seconds), [&] { return statuses_.size() >= n; });
  }
  std::vector<Status> statuses() {
    std::lock_guard<std::mutex> lock(mu_);
    return statuses_;
  }

 private:
  std::mutex mu_;  // guards statuses_
  std::condition_variable cv_;
  std::vector<Status> statuses_;
};

InferenceRequest Request(std::shared_ptr<std::atomic<bool>> cancelled, int64_t deadline = 0) {
  InferenceRequest request;
  request.owned_image = "class:1";
  request.top_k = 1;
  request.cancelled = std::move(cancelled);
  request.deadline_micros = deadline;
  return request;
}

class PipelineCancellationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    PipelineOptions options;
    options.batching.max_batch_size = 8;
    options.batching.max_queue_delay_microseconds = 60'000'000;  // batches never fill by time
    options.batching.max_queue_size = 0;
    options.preprocess_threads = 1;
    options.warmup_batches = 0;
    auto created = InferencePipeline::Create(options, &backend, &preprocessor, nullptr);
    ASSERT_TRUE(created.ok()) << created.status().ToString();
    pipeline = std::move(created).value();
  }
  FakeBackend backend;
  CountingPreprocessor preprocessor;
  std::unique_ptr<InferencePipeline> pipeline;
};

TEST_F(PipelineCancellationTest, CancelledBeforePreprocessingIsNeitherDecodedNorComputed) {
  Answers answers;
  auto cancelled = std::make_shared<std::atomic<bool>>(true);
  for (int i = 0; i < 5; ++i) pipeline->Submit(Request(cancelled), answers.Callback());
  ASSERT_TRUE(answers.WaitFor(5));
  for (const Status& status : answers.statuses())
    EXPECT_EQ(status.code(), StatusCode::kUnavailable) << status.ToString();
  EXPECT_EQ(preprocessor.decoded.load(), 0);
  EXPECT_TRUE(backend.batch_sizes().empty());
  // The job's bookkeeping ends just after its answer.
  for (int i = 0; i < 1000 && pipeline->NumPreprocessQueued() > 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  EXPECT_EQ(pipeline->NumPreprocessQueued(), 0u);
}

// Three requests wait for a batch that would close in 60 s; two are
// cancelled: they are answered at once, the third is computed alone on stop.
TEST_F(PipelineCancellationTest, CancelledWhileWaitingForItsBatchIsAnsweredAtOnce) {
  Answers answers;
  auto cancelled = std::make_shared<std::atomic<bool>>(false);
  pipeline->Submit(Request(cancelled), answers.Callback());
  pipeline->Submit(Request(cancelled), answers.Callback());
  pipeline->Submit(Request(nullptr), answers.Callback());
  for (int i = 0; i < 1000 && pipeline->NumBatchQueued() < 3; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  ASSERT_EQ(pipeline->NumBatchQueued(), 3u);
  const auto start = std::chrono::steady_clock::now();
  cancelled->store(true);
  pipeline->WakeForCancellation();
  ASSERT_TRUE(answers.WaitFor(2, /*seconds=*/5));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  EXPECT_EQ(pipeline->NumBatchQueued(), 1u);
  EXPECT_TRUE(backend.batch_sizes().empty());
  pipeline->Stop(/*drain=*/true);
  ASSERT_TRUE(answers.WaitFor(3));
  const std::vector<Status> statuses = answers.statuses();
  EXPECT_EQ(statuses[0].code(), StatusCode::kUnavailable);
  EXPECT_EQ(statuses[1].code(), StatusCode::kUnavailable);
  EXPECT_TRUE(statuses[2].ok()) << statuses[2].ToString();
  EXPECT_EQ(backend.batch_sizes(), (std::vector<int>{1}));
}

TEST_F(PipelineCancellationTest, ExpiredBeforePreprocessingIsNotDecoded) {
  Answers answers;
  pipeline->Submit(Request(nullptr, /*deadline=*/1), answers.Callback());
  ASSERT_TRUE(answers.WaitFor(1));
  EXPECT_EQ(answers.statuses()[0].code(), StatusCode::kDeadlineExceeded);
  EXPECT_EQ(preprocessor.decoded.load(), 0);
  EXPECT_TRUE(backend.batch_sizes().empty());
}

}  // namespace
}  // namespace vit::server
