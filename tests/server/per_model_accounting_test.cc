// With a model repository, every front door counts a call on the model that
// served it: its ModelStatistics, and the `model` label of the request
// counter and latency histograms. The Open Inference Protocol (one runner for
// gRPC and HTTP) and the vit.v1 / plain HTTP /v1 image calls, over two fake
// models and no sockets.
#include <gtest/gtest.h>

#include <future>
#include <string>

#include "server/metrics.h"
#include "server/oip/inference_runner.h"
#include "server/serving_context.h"
#include "server/vit_service.h"
#include "tests/server/two_model_directory.h"

namespace vit::server {
namespace {

using testing::TwoModelDirectory;

class PerModelAccountingTest : public ::testing::Test {
 protected:
  void SetUp() override { serving_.SetModelDirectory(&models_); }

  // One OIP ModelInfer of a single "class:1" image for `model`.
  std::pair<Status, oip::InferResponse> Infer(const std::string& model, const char* protocol) {
    oip::InferRequest request;
    request.model_name = model;
    oip::InputTensor input;
    input.name = "image";
    input.datatype = "BYTES";
    input.shape = {1, 1};
    input.bytes_elements.emplace_back(image_);
    request.inputs.push_back(std::move(input));
    std::promise<std::pair<Status, oip::InferResponse>> answer;
    runner_.Infer(request, oip::CallInfo{protocol, "ModelInfer", "test", 0, nullptr},
                  [&](const Status& status, oip::InferResponse response) {
                    answer.set_value({status, std::move(response)});
                  });
    return answer.get_future().get();
  }

  const std::string image_ = "class:1";
  Metrics metrics_;
  TwoModelDirectory models_{&metrics_};
  ServingContext serving_{ServiceOptions(), &metrics_};
  oip::InferenceRunner runner_{&serving_};
};

bool Has(const std::string& text, const std::string& line) {
  return text.find(line) != std::string::npos;
}

TEST_F(PerModelAccountingTest, OipCallsCountOnTheModelThatServedThem) {
  for (const char* protocol : {"oip-grpc", "oip-http"}) {
    auto [status, response] = Infer("beta", protocol);
    ASSERT_TRUE(status.ok()) << status.ToString();
    EXPECT_EQ(response.model_name, "beta");
    EXPECT_EQ(response.model_version, "3");
  }
  EXPECT_EQ(models_.model("beta").statistics().Snapshot().success.count, 2u);
  EXPECT_EQ(models_.model("alpha").statistics().Snapshot().success.count, 0u);

  const std::string text = metrics_.RenderPrometheus();
  EXPECT_TRUE(Has(text,
                  "vit_requests_total{protocol=\"oip-grpc\",method=\"ModelInfer\",code="
                  "\"OK\",model=\"beta\"} 1\n"))
      << text;
  EXPECT_TRUE(Has(text,
                  "vit_requests_total{protocol=\"oip-http\",method=\"ModelInfer\",code="
                  "\"OK\",model=\"beta\"} 1\n"));
  EXPECT_TRUE(Has(text, "vit_request_latency_seconds_count{model=\"beta\"} 2\n"));
  EXPECT_TRUE(Has(text, "vit_queue_latency_seconds_count{model=\"beta\"} 2\n"));
  EXPECT_TRUE(Has(text, "vit_inference_latency_seconds_bucket{model=\"beta\",le=\"+Inf\"}"));
  EXPECT_FALSE(Has(text, "model=\"alpha\"")) << text;
}

TEST_F(PerModelAccountingTest, AnUnknownModelCountsOnNoModel) {
  auto [status, response] = Infer("gamma", "oip-grpc");
  EXPECT_EQ(status.code(), StatusCode::kNotFound);
  EXPECT_EQ(models_.model("alpha").statistics().Snapshot().fail.count, 0u);
  EXPECT_EQ(models_.model("beta").statistics().Snapshot().fail.count, 0u);
  EXPECT_TRUE(Has(metrics_.RenderPrometheus(),
                  "vit_requests_total{protocol=\"oip-grpc\",method=\"ModelInfer\",code="
                  "\"NOT_FOUND\"} 1\n"));
}

TEST_F(PerModelAccountingTest, HttpV1CallsCountOnTheModelThatServedThem) {
  VitServiceImpl service(&serving_);
  VitServiceImpl::CallSource source;
  source.protocol = "http";
  source.method = "/v1/classify";
  v1::ClassifyRequest request;
  request.set_model("beta");
  request.set_image(image_);
  v1::ClassifyResponse response;
  std::promise<Status> answer;
  service.StartClassify(source, request, /*owned_image=*/{}, &response,
                        [&](const Status& status) { answer.set_value(status); });
  const Status status = answer.get_future().get();
  ASSERT_TRUE(status.ok()) << status.ToString();
  EXPECT_EQ(models_.model("beta").statistics().Snapshot().success.count, 1u);
  EXPECT_EQ(models_.model("alpha").statistics().Snapshot().success.count, 0u);
  EXPECT_TRUE(Has(metrics_.RenderPrometheus(),
                  "vit_requests_total{protocol=\"http\",method=\"/v1/classify\",code=\"OK\","
                  "model=\"beta\"} 1\n"));
}

}  // namespace
}  // namespace vit::server
