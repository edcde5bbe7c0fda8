// oip::InferenceRunner over the fake model, no gRPC or HTTP: input and output
// validation with the tensor named in the message, batches split into the
// pipeline and gathered back, only requested outputs computed, the
// classification extension, and the call's accounting.
#include "server/oip/inference_runner.h"

#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include <cmath>
#include <future>
#include <memory>
#include <string>
#include <vector>

#include "server/inference_pipeline.h"
#include "server/metrics.h"
#include "server/serving_context.h"
#include "tests/server/fake_model.h"

namespace vit::server::oip {
namespace {

using testing::FakeBackend;
using testing::FakePreprocessor;

struct Answer {
  Status status;
  InferResponse response;
};

class OipRunnerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // The log's registry exists before pipeline threads log (see
    // pipeline_concurrency_test.cc: TSan and Debian's uninstrumented spdlog).
    spdlog::default_logger_raw();
    PipelineOptions options;
    options.batching.max_batch_size = 4;
    options.batching.max_queue_delay_microseconds = 2000;
    options.warmup_batches = 0;
    auto pipeline = InferencePipeline::Create(options, &backend_, &preprocessor_, &metrics_);
    ASSERT_TRUE(pipeline.ok()) << pipeline.status().ToString();
    pipeline_ = std::move(pipeline).value();
    serving_.SetPipeline(pipeline_.get());
  }
  void TearDown() override { pipeline_->Stop(/*drain=*/true); }

  Answer Run(const InferRequest& request) {
    std::promise<Answer> promise;
    std::future<Answer> future = promise.get_future();
    int calls = 0;
    runner_.Infer(request, CallInfo{"oip-grpc", "ModelInfer", "test", 0, nullptr},
                  [&](const Status& status, InferResponse response) {
                    if (++calls == 1) promise.set_value(Answer{status, std::move(response)});
                  });
    Answer answer = future.get();
    EXPECT_EQ(calls, 1);
    return answer;
  }

  static InferRequest ImageRequest(std::vector<std::string>* images) {
    InferRequest request;
    request.model_name = "fake-model";
    InputTensor input;
    input.name = "image";
    input.datatype = "BYTES";
    input.shape = {static_cast<int64_t>(images->size()), 1};
    for (const std::string& image : *images) input.bytes_elements.emplace_back(image);
    request.inputs.push_back(std::move(input));
    return request;
  }

  static const OutputTensor* Find(const InferResponse& response, const std::string& name) {
    for (const OutputTensor& output : response.outputs)
      if (output.name == name) return &output;
    return nullptr;
  }

  FakeBackend backend_;
  FakePreprocessor preprocessor_;
  Metrics metrics_;
  ServingContext serving_{ServiceOptions(), &metrics_};
  InferenceRunner runner_{&serving_};
  std::unique_ptr<InferencePipeline> pipeline_;
};

TEST_F(OipRunnerTest, ImageBatchReturnsEveryOutputInRequestOrder) {
  std::vector<std::string> images = {"class:2", "class:0", "class:3"};
  InferRequest request = ImageRequest(&images);
  request.id = "call-7";
  Answer answer = Run(request);
  ASSERT_TRUE(answer.status.ok()) << answer.status.ToString();
  EXPECT_EQ(answer.response.id, "call-7");
  EXPECT_EQ(answer.response.model_name, "fake-model");
  EXPECT_EQ(answer.response.model_version, "1");
  ASSERT_EQ(answer.response.outputs.size(), 3u);
  const OutputTensor* logits = Find(answer.response, "logits");
  const OutputTensor* probabilities = Find(answer.response, "probabilities");
  const OutputTensor* embedding = Find(answer.response, "embedding");
  ASSERT_TRUE(logits && probabilities && embedding);
  EXPECT_EQ(logits->shape, (std::vector<int64_t>{3, 4}));
  EXPECT_EQ(embedding->shape, (std::vector<int64_t>{3, 3}));
  const int expected_class[] = {2, 0, 3};
  const double top = std::exp(3.0) / (std::exp(3.0) + 3.0);
  for (int b = 0; b < 3; ++b) {
    for (int c = 0; c < 4; ++c) {
      const bool hit = c == expected_class[b];
      EXPECT_EQ(logits->fp32[b * 4 + c], hit ? 3.0f : 0.0f);
      EXPECT_NEAR(probabilities->fp32[b * 4 + c], hit ? top : (1 - top) / 3, 1e-6);
    }
    EXPECT_EQ(embedding->fp32[b * 3], expected_class[b] * 10.0f);
  }
  EXPECT_EQ(serving_.in_flight(), 0);
  const ModelStatisticsSnapshot stats = pipeline_->statistics().Snapshot();
  EXPECT_EQ(stats.success.count, 1u);
  EXPECT_EQ(stats.inference_count, 3u);
  EXPECT_GE(stats.execution_count, 1u);
}

TEST_F(OipRunnerTest, OnlyRequestedOutputsAreComputed) {
  std::vector<std::string> images = {"class:1"};
  InferRequest request = ImageRequest(&images);
  request.outputs.push_back(RequestedOutput{"embedding"});
  Answer answer = Run(request);
  ASSERT_TRUE(answer.status.ok()) << answer.status.ToString();
  ASSERT_EQ(answer.response.outputs.size(), 1u);
  EXPECT_EQ(answer.response.outputs[0].name, "embedding");
  EXPECT_EQ(answer.response.outputs[0].fp32, (std::vector<float>{10, 11, 12}));
}

TEST_F(OipRunnerTest, ClassificationReturnsValueIndexLabelStrings) {
  std::vector<std::string> images = {"class:3", "class:1"};
  InferRequest request = ImageRequest(&images);
  request.outputs.push_back(RequestedOutput{"probabilities", /*classification=*/2});
  request.outputs.push_back(RequestedOutput{"logits", /*classification=*/1});
  Answer answer = Run(request);
  ASSERT_TRUE(answer.status.ok()) << answer.status.ToString();
  const OutputTensor* probabilities = Find(answer.response, "probabilities");
  const OutputTensor* logits = Find(answer.response, "logits");
  ASSERT_TRUE(probabilities && logits);
  EXPECT_EQ(probabilities->datatype, "BYTES");
  EXPECT_EQ(probabilities->shape, (std::vector<int64_t>{2, 2}));
  const float top = static_cast<float>(std::exp(3.0) / (std::exp(3.0) + 3.0));
  const float rest = static_cast<float>(1.0 / (std::exp(3.0) + 3.0));
  EXPECT_EQ(
      probabilities->bytes_elements,
      (std::vector<std::string>{std::to_string(top) + ":3:three", std::to_string(rest) + ":0:zero",
                                std::to_string(top) + ":1:one", std::to_string(rest) + ":0:zero"}));
  EXPECT_EQ(logits->bytes_elements,
            (std::vector<std::string>{"3.000000:3:three", "3.000000:1:one"}));
}

TEST_F(OipRunnerTest, PixelValuesSkipDecoding) {
  InferRequest request;
  request.model_name = "fake-model";
  InputTensor input;
  input.name = "pixel_values";
  input.datatype = "FP32";
  input.shape = {2, 3, 32, 32};
  input.fp32_storage.assign(2 * 3 * 32 * 32, 1.0f);
  std::fill(input.fp32_storage.begin() + 3 * 32 * 32, input.fp32_storage.end(), 2.0f);
  input.fp32 = input.fp32_storage.data();
  input.fp32_count = input.fp32_storage.size();
  request.inputs.push_back(std::move(input));
  request.outputs.push_back(RequestedOutput{"logits"});
  Answer answer = Run(request);
  ASSERT_TRUE(answer.status.ok()) << answer.status.ToString();
  EXPECT_EQ(answer.response.outputs[0].fp32, (std::vector<float>{0, 3, 0, 0, 0, 0, 3, 0}));
}

TEST_F(OipRunnerTest, BadRequestsNameTheTensorAndLeaveNothingInFlight) {
  std::vector<std::string> one = {"class:1"};
  std::vector<std::string> five = {"class:1", "class:1", "class:1", "class:1", "class:1"};
  std::vector<std::string> corrupt = {"class:1", "not an image"};
  struct Case {
    const char* what;
    InferRequest request;
    StatusCode code;
    std::string message_part;
  };
  std::vector<Case> cases;
  {
    InferRequest r = ImageRequest(&one);
    r.model_name = "other";
    cases.push_back({"unknown model", r, StatusCode::kNotFound, "unknown model 'other'"});
  }
  {
    InferRequest r = ImageRequest(&one);
    r.model_version = "2";
    cases.push_back({"unknown version", r, StatusCode::kNotFound, "no version '2'"});
  }
  {
    InferRequest r = ImageRequest(&one);
    r.inputs[0].datatype = "FP32";
    cases.push_back({"wrong datatype", r, StatusCode::kInvalidArgument,
                     "input 'image' must have datatype BYTES"});
  }
  {
    InferRequest r = ImageRequest(&one);
    r.inputs[0].shape = {1, 2};
    cases.push_back({"wrong shape", r, StatusCode::kInvalidArgument,
                     "input 'image' must have shape [batch] or [batch, 1]; got [1, 2]"});
  }
  {
    InferRequest r = ImageRequest(&one);
    r.inputs[0].shape = {2};
    cases.push_back({"count mismatch", r, StatusCode::kInvalidArgument, "but 1 elements"});
  }
  cases.push_back({"batch too large", ImageRequest(&five), StatusCode::kInvalidArgument,
                   "batch size 5; model 'fake-model' takes at most 4"});
  cases.push_back(
      {"undecodable", ImageRequest(&corrupt), StatusCode::kInvalidArgument, "invalid image"});
  {
    InferRequest r = ImageRequest(&one);
    r.inputs[0].name = "input";
    cases.push_back({"unknown input", r, StatusCode::kInvalidArgument, "unknown input 'input'"});
  }
  {
    InferRequest r = ImageRequest(&one);
    r.outputs.push_back(RequestedOutput{"scores"});
    cases.push_back({"unknown output", r, StatusCode::kInvalidArgument, "unknown output 'scores'"});
  }
  {
    InferRequest r = ImageRequest(&one);
    r.outputs.push_back(RequestedOutput{"embedding", 2});
    cases.push_back({"classification of embedding", r, StatusCode::kInvalidArgument,
                     "'embedding' is not a class score"});
  }
  {
    InferRequest r = ImageRequest(&one);
    r.outputs.push_back(RequestedOutput{"logits", 5});
    cases.push_back({"classification too large", r, StatusCode::kInvalidArgument,
                     "classification must be in [1, 4]"});
  }
  {
    InferRequest r;
    r.model_name = "fake-model";
    InputTensor input;
    input.name = "pixel_values";
    input.datatype = "FP32";
    input.shape = {1, 3, 16, 32};
    input.fp32_storage.assign(3 * 16 * 32, 0.0f);
    input.fp32 = input.fp32_storage.data();
    input.fp32_count = input.fp32_storage.size();
    r.inputs.push_back(input);
    cases.push_back({"pixel shape", r, StatusCode::kInvalidArgument,
                     "input 'pixel_values' must have shape [batch, 3, 32, 32] for model "
                     "'fake-model'; got [1, 3, 16, 32]"});
    r.inputs[0].shape = {1, 3, 32, 32};
    cases.push_back({"pixel count", r, StatusCode::kInvalidArgument, "but 1536 values"});
    r.inputs.push_back(r.inputs[0]);
    cases.push_back({"two inputs", r, StatusCode::kInvalidArgument, "exactly one input"});
  }
  for (Case& c : cases) {
    for (InputTensor& input : c.request.inputs) {
      if (!input.fp32_storage.empty()) input.fp32 = input.fp32_storage.data();
    }
    Answer answer = Run(c.request);
    EXPECT_EQ(answer.status.code(), c.code) << c.what << ": " << answer.status.ToString();
    EXPECT_NE(answer.status.message().find(c.message_part), std::string::npos)
        << c.what << ": " << answer.status.message();
    EXPECT_TRUE(answer.response.outputs.empty()) << c.what;
    EXPECT_EQ(serving_.in_flight(), 0) << c.what;
  }
  EXPECT_EQ(pipeline_->statistics().Snapshot().fail.count, cases.size());
}

TEST_F(OipRunnerTest, NotServingIsUnavailable) {
  ServingContext idle(ServiceOptions(), nullptr);
  InferenceRunner runner(&idle);
  std::vector<std::string> one = {"class:1"};
  Status seen;
  runner.Infer(ImageRequest(&one), CallInfo{}, [&](const Status& s, InferResponse) { seen = s; });
  EXPECT_EQ(seen.code(), StatusCode::kUnavailable);
  EXPECT_EQ(idle.in_flight(), 0);
}

}  // namespace
}  // namespace vit::server::oip
