// Explain over the fake model (no LibTorch): the pipeline batches Explain
// with Classify requests and completes each exactly once, and the gRPC
// service validates the request (INVALID_ARGUMENT naming the field) and
// fills the heat map, predictions and overlay.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <limits>
#include <memory>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "server/inference_pipeline.h"
#include "server/metrics.h"
#include "server/vit_service.h"
#include "tests/server/fake_model.h"
#include "vit/v1/vit.grpc.pb.h"

namespace vit::server {
namespace {

using testing::FakeBackend;
using testing::FakePreprocessor;

PipelineOptions BatchingOptions(int64_t delay_us) {
  PipelineOptions options;
  options.batching.max_batch_size = 8;
  options.batching.max_queue_delay_microseconds = delay_us;
  options.warmup_batches = 0;
  return options;
}

struct Outcome {
  int calls = 0;
  Status status;
  InferenceResult result;
};

// Submits 8 requests that land in one batch (the batch fills before the
// delay ends) and waits for all of them.
std::vector<Outcome> RunEight(InferencePipeline* pipeline, const std::vector<bool>& explain,
                              bool overlay) {
  std::vector<Outcome> outcomes(8);
  std::mutex mu;
  std::condition_variable cv;
  int answered = 0;
  for (int i = 0; i < 8; ++i) {
    InferenceRequest request;
    request.owned_image = "class:" + std::to_string(i % 4);
    request.top_k = 2;
    if (explain[i]) {
      ExplainSpec spec;
      spec.head_fusion = i % 2 == 0 ? HeadFusion::kMax : HeadFusion::kMean;
      request.explain = spec;
      request.want_overlay = overlay;
    }
    pipeline->Submit(std::move(request), [&, i](const Status& status, InferenceResult result) {
      std::lock_guard<std::mutex> lock(mu);
      outcomes[i].calls++;
      outcomes[i].status = status;
      outcomes[i].result = std::move(result);
      ++answered;
      cv.notify_all();
    });
  }
  std::unique_lock<std::mutex> lock(mu);
  EXPECT_TRUE(cv.wait_for(lock, std::chrono::seconds(20), [&] { return answered >= 8; }));
  lock.unlock();
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // a second answer would land here
  return outcomes;
}

int HottestPatch(const Heatmap& heatmap) {
  return static_cast<int>(std::max_element(heatmap.values.begin(), heatmap.values.end()) -
                          heatmap.values.begin());
}

TEST(ExplainPipelineTest, MixedBatchCompletesEachOnceAndClassifyIsUnchanged) {
  FakeBackend backend;
  FakePreprocessor preprocessor;
  auto pipeline = InferencePipeline::Create(BatchingOptions(2'000'000), &backend, &preprocessor,
                                            /*metrics=*/nullptr);
  ASSERT_TRUE(pipeline.ok()) << pipeline.status().ToString();
  const std::vector<bool> none(8, false);
  const std::vector<bool> mixed = {true, false, false, true, true, false, false, false};
  const std::vector<Outcome> plain = RunEight(pipeline->get(), none, /*overlay=*/false);
  const std::vector<Outcome> explained = RunEight(pipeline->get(), mixed, /*overlay=*/true);
  EXPECT_EQ(backend.batch_sizes(), (std::vector<int>{8, 8})) << "each set ran as one batch";
  // Only the mixed batch captured attention, and only for the images that
  // asked (the batch's order is the order preprocessing finished in).
  const auto captured = backend.captured();
  ASSERT_EQ(captured.size(), 1u);
  ASSERT_EQ(captured[0].size(), 8u);
  std::multiset<HeadFusion> fusions;
  for (const auto& fusion : captured[0])
    if (fusion.has_value()) fusions.insert(*fusion);
  EXPECT_EQ(fusions,
            (std::multiset<HeadFusion>{HeadFusion::kMax, HeadFusion::kMax, HeadFusion::kMean}))
      << "requests 0 and 4 asked for max, 3 for mean";
  for (int i = 0; i < 8; ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(plain[i].calls, 1);
    EXPECT_EQ(explained[i].calls, 1);
    ASSERT_TRUE(explained[i].status.ok()) << explained[i].status.ToString();
    const InferenceResult& r = explained[i].result;
    ASSERT_EQ(r.top_k.size(), plain[i].result.top_k.size());
    for (size_t k = 0; k < r.top_k.size(); ++k) {
      EXPECT_EQ(r.top_k[k].class_index, plain[i].result.top_k[k].class_index);
      EXPECT_EQ(r.top_k[k].probability, plain[i].result.top_k[k].probability);
    }
    if (!mixed[i]) {
      EXPECT_TRUE(r.heatmap.values.empty());
      EXPECT_TRUE(r.overlay_png.empty());
      continue;
    }
    EXPECT_EQ(r.heatmap.grid_height, 2);
    EXPECT_EQ(r.heatmap.grid_width, 2);
    ASSERT_EQ(r.heatmap.values.size(), 4u);
    EXPECT_EQ(HottestPatch(r.heatmap), i % 4);
    EXPECT_FLOAT_EQ(r.heatmap.values[i % 4], 1.0f);
    EXPECT_EQ(r.overlay_png, "overlay:class:" + std::to_string(i % 4));
  }
}

TEST(ExplainPipelineTest, OverlayWithoutAnEncodedImageIsInvalidArgument) {
  FakeBackend backend;
  FakePreprocessor preprocessor;
  auto pipeline = InferencePipeline::Create(BatchingOptions(1000), &backend, &preprocessor,
                                            /*metrics=*/nullptr);
  ASSERT_TRUE(pipeline.ok());
  InferenceRequest request;
  request.pixels.assign(3 * 32 * 32, 0.0f);
  request.explain = ExplainSpec{};
  request.want_overlay = true;
  std::mutex mu;
  std::condition_variable cv;
  int calls = 0;
  Status status;
  (*pipeline)->Submit(std::move(request), [&](const Status& s, InferenceResult) {
    std::lock_guard<std::mutex> lock(mu);
    ++calls;
    status = s;
    cv.notify_all();
  });
  std::unique_lock<std::mutex> lock(mu);
  ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(10), [&] { return calls > 0; }));
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << status.ToString();
}

class ExplainServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    service_ = std::make_unique<VitServiceImpl>(ServiceOptions{}, &metrics_);
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(service_.get());
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    auto pipeline =
        InferencePipeline::Create(BatchingOptions(1000), &backend_, &preprocessor_, &metrics_);
    ASSERT_TRUE(pipeline.ok()) << pipeline.status().ToString();
    pipeline_ = std::move(pipeline).value();
    service_->SetPipeline(pipeline_.get());
    stub_ = v1::VitService::NewStub(grpc::CreateChannel("127.0.0.1:" + std::to_string(port),
                                                        grpc::InsecureChannelCredentials()));
  }
  void TearDown() override {
    if (server_) server_->Shutdown();
    if (pipeline_) pipeline_->Stop(/*drain=*/true);
  }
  grpc::Status Explain(const v1::ExplainRequest& request, v1::ExplainResponse* response) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    return stub_->Explain(&context, request, response);
  }
  static v1::ExplainRequest Request(const std::string& image) {
    v1::ExplainRequest request;
    request.set_image(image);
    return request;
  }

  FakeBackend backend_;
  FakePreprocessor preprocessor_;
  Metrics metrics_;
  std::unique_ptr<VitServiceImpl> service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<InferencePipeline> pipeline_;
  std::unique_ptr<v1::VitService::Stub> stub_;
};

TEST_F(ExplainServiceTest, ReturnsHeatmapPredictionsAndOverlay) {
  v1::ExplainRequest request = Request("class:3");
  request.set_top_k(1);
  request.set_overlay_png(true);
  request.set_head_fusion("min");
  request.set_discard_ratio(0.5f);
  v1::ExplainResponse response;
  grpc::Status status = Explain(request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.grid_height(), 2);
  EXPECT_EQ(response.grid_width(), 2);
  ASSERT_EQ(response.heatmap_size(), 4);
  EXPECT_FLOAT_EQ(response.heatmap(3), 1.0f);
  ASSERT_EQ(response.predictions_size(), 1);
  EXPECT_EQ(response.predictions(0).label(), "three");
  EXPECT_EQ(response.overlay_png(), "overlay:class:3");
  EXPECT_EQ(response.model_id(), "fake-model");
  ASSERT_EQ(backend_.captured().size(), 1u);
  EXPECT_EQ(backend_.captured()[0][0], HeadFusion::kMin);

  v1::ExplainResponse plain;
  ASSERT_TRUE(Explain(Request("class:0"), &plain).ok());
  EXPECT_TRUE(plain.overlay_png().empty()) << "no overlay unless asked";
  EXPECT_EQ(plain.predictions_size(), 4) << "top_k 0 = the default, capped at 4 classes";
  const std::string metrics = metrics_.RenderPrometheus();
  EXPECT_NE(metrics.find("vit_requests_total{protocol=\"vit\",method=\"Explain\",code=\"OK\"} 2"),
            std::string::npos)
      << metrics;
}

TEST_F(ExplainServiceTest, BadFieldsAreInvalidArgumentNamingTheField) {
  struct Case {
    const char* field;
    v1::ExplainRequest request;
  };
  std::vector<Case> cases;
  cases.push_back({"method", Request("class:1")});
  cases.back().request.set_method("gradcam");
  cases.push_back({"head_fusion", Request("class:1")});
  cases.back().request.set_head_fusion("median");
  for (float ratio : {-0.1f, 1.0f, std::numeric_limits<float>::quiet_NaN()}) {
    cases.push_back({"discard_ratio", Request("class:1")});
    cases.back().request.set_discard_ratio(ratio);
  }
  cases.push_back({"top_k", Request("class:1")});
  cases.back().request.set_top_k(9);
  cases.push_back({"decode", Request("not an image")});
  for (const Case& c : cases) {
    v1::ExplainResponse response;
    grpc::Status status = Explain(c.request, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << c.field;
    EXPECT_NE(status.error_message().find(c.field), std::string::npos)
        << c.field << ": " << status.error_message();
  }
  EXPECT_TRUE(backend_.captured().empty()) << "no bad request reached the model";
}

}  // namespace
}  // namespace vit::server
