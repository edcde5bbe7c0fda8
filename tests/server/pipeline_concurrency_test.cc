// The request path without gRPC, from many threads at once:
// VitServiceImpl::StartClassify -> InferencePipeline (worker pool, batch
// scheduler) -> the fake model. Every request must be answered exactly once,
// with its own result, also when the pipeline stops mid-stream. Written for
// ThreadSanitizer: scripts/test.sh runs it in build-tsan, where the gRPC
// service tests cannot run (Debian's gRPC and Abseil are uninstrumented, so
// their locks are invisible to TSan and every callback looks racy).
#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "server/inference_pipeline.h"
#include "server/metrics.h"
#include "server/vit_service.h"
#include "tests/server/fake_model.h"
#include "vit/v1/vit.pb.h"

namespace vit::server {
namespace {

using testing::FakeBackend;
using testing::FakePreprocessor;

constexpr int kThreads = 6;
constexpr int kRequestsPerThread = 40;
constexpr int kRequests = kThreads * kRequestsPerThread;

// Request i: every 5th a bad image, the others "class:(i % 4)".
bool IsBadImage(int i) { return i % 5 == 0; }

struct Answers {
  std::vector<v1::ClassifyRequest> requests = std::vector<v1::ClassifyRequest>(kRequests);
  std::vector<v1::ClassifyResponse> responses = std::vector<v1::ClassifyResponse>(kRequests);
  std::vector<Status> statuses = std::vector<Status>(kRequests);
  std::vector<std::atomic<int>> calls = std::vector<std::atomic<int>>(kRequests);
  std::mutex mu;
  std::condition_variable all_answered;
  int answered = 0;  // guarded by mu

  Answers() {
    for (int i = 0; i < kRequests; ++i) {
      requests[i].set_image(IsBadImage(i) ? "not an image" : "class:" + std::to_string(i % 4));
      requests[i].set_top_k(2);
    }
  }
  // Submits every request from kThreads threads at once.
  void SubmitAll(VitServiceImpl* service) {
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([this, service, t] {
        for (int i = t * kRequestsPerThread; i < (t + 1) * kRequestsPerThread; ++i) {
          VitServiceImpl::CallSource source;
          source.peer = "test";
          service->StartClassify(std::move(source), requests[i], /*owned_image=*/{}, &responses[i],
                                 [this, i](const Status& status) { Answer(i, status); });
        }
      });
    }
    for (auto& thread : threads) thread.join();
  }
  void Answer(int i, const Status& status) {
    if (calls[i].fetch_add(1) == 0) statuses[i] = status;
    std::lock_guard<std::mutex> lock(mu);
    ++answered;
    all_answered.notify_all();
  }
  bool WaitForAll() {
    std::unique_lock<std::mutex> lock(mu);
    return all_answered.wait_for(lock, std::chrono::seconds(60),
                                 [this] { return answered >= kRequests; });
  }
};

std::unique_ptr<InferencePipeline> MakePipeline(FakeBackend* backend,
                                                const FakePreprocessor* preprocessor,
                                                Metrics* metrics) {
  PipelineOptions options;
  options.batching.max_batch_size = 4;
  options.batching.max_queue_delay_microseconds = 500;
  options.batching.max_queue_size = 0;  // unbounded: no RESOURCE_EXHAUSTED here
  options.preprocess_threads = 3;
  options.warmup_batches = 1;
  auto pipeline = InferencePipeline::Create(options, backend, preprocessor, metrics);
  EXPECT_TRUE(pipeline.ok()) << pipeline.status().ToString();
  return pipeline.ok() ? std::move(pipeline).value() : nullptr;
}

ServiceOptions UnboundedService() {
  ServiceOptions options;
  options.max_in_flight_requests = 0;
  options.default_deadline_ms = 0;
  return options;
}

// The service's request path over a live pipeline of fakes.
class PipelineConcurrencyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // spdlog's registry is created on first use, inside Debian's
    // uninstrumented libspdlog: TSan cannot see the guard of that static and
    // reports the first two concurrent log calls as a race. Create it here,
    // before any thread logs.
    spdlog::default_logger_raw();
    pipeline = MakePipeline(&backend, &preprocessor, &metrics);
    ASSERT_NE(pipeline, nullptr);
    service.SetPipeline(pipeline.get());
  }
  FakeBackend backend;
  FakePreprocessor preprocessor;
  Metrics metrics;
  std::unique_ptr<InferencePipeline> pipeline;
  VitServiceImpl service{UnboundedService(), &metrics};  // destroyed before the pipeline
};

TEST_F(PipelineConcurrencyTest, ConcurrentRequestsEachGetTheirOwnAnswerOnce) {
  Answers answers;
  answers.SubmitAll(&service);
  ASSERT_TRUE(answers.WaitForAll());
  pipeline->Stop(/*drain=*/true);

  EXPECT_EQ(service.in_flight(), 0);
  EXPECT_EQ(service.answered(), kRequests);
  for (int i = 0; i < kRequests; ++i) {
    SCOPED_TRACE("request " + std::to_string(i));
    EXPECT_EQ(answers.calls[i].load(), 1);
    if (IsBadImage(i)) {
      EXPECT_EQ(answers.statuses[i].code(), StatusCode::kInvalidArgument);
      continue;
    }
    ASSERT_TRUE(answers.statuses[i].ok()) << answers.statuses[i].ToString();
    ASSERT_EQ(answers.responses[i].predictions_size(), 2);
    EXPECT_EQ(answers.responses[i].predictions(0).class_index(), i % 4);
  }
}

TEST_F(PipelineConcurrencyTest, StopWhileRequestsArriveAnswersEachOnce) {
  Answers answers;
  std::thread stopper([this] {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    pipeline->Stop(/*drain=*/false);
  });
  answers.SubmitAll(&service);
  stopper.join();
  ASSERT_TRUE(answers.WaitForAll());

  EXPECT_EQ(service.in_flight(), 0);
  for (int i = 0; i < kRequests; ++i) {
    SCOPED_TRACE("request " + std::to_string(i));
    EXPECT_EQ(answers.calls[i].load(), 1);
    const StatusCode code = answers.statuses[i].code();
    if (IsBadImage(i)) {
      EXPECT_TRUE(code == StatusCode::kInvalidArgument || code == StatusCode::kUnavailable)
          << answers.statuses[i].ToString();
    } else {
      EXPECT_TRUE(code == StatusCode::kOk || code == StatusCode::kUnavailable)
          << answers.statuses[i].ToString();
    }
  }
}

}  // namespace
}  // namespace vit::server
