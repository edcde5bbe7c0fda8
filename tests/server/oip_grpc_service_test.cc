// GrpcInferenceServiceImpl in process, on 127.0.0.1, over the fake model (no
// LibTorch): readiness before and after the pipeline, ModelStreamInfer with
// many requests through a small flow-control window, per-request errors on
// the stream, the stream cap, and the bearer token.
#include "server/oip/grpc_inference_service.h"

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "inference/grpc_service.grpc.pb.h"
#include "server/inference_pipeline.h"
#include "server/metrics.h"
#include "server/serving_context.h"
#include "tests/server/fake_model.h"

namespace vit::server::oip {
namespace {

using testing::FakeBackend;
using testing::FakePreprocessor;

class OipGrpcServiceTest : public ::testing::Test {
 protected:
  void Start(ServiceOptions options = {}, bool ready = true, int64_t queue_delay_us = 2000) {
    serving_ = std::make_unique<ServingContext>(options, &metrics_);
    service_ = std::make_unique<GrpcInferenceServiceImpl>(serving_.get());
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(service_.get());
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    PipelineOptions pipeline_options;
    pipeline_options.batching.max_batch_size = 8;
    pipeline_options.batching.max_queue_delay_microseconds = queue_delay_us;
    pipeline_options.warmup_batches = 0;
    auto pipeline =
        InferencePipeline::Create(pipeline_options, &backend_, &preprocessor_, &metrics_);
    ASSERT_TRUE(pipeline.ok()) << pipeline.status().ToString();
    pipeline_ = std::move(pipeline).value();
    if (ready) serving_->SetPipeline(pipeline_.get());
    stub_ = inference::GRPCInferenceService::NewStub(grpc::CreateChannel(
        "127.0.0.1:" + std::to_string(port), grpc::InsecureChannelCredentials()));
  }
  void TearDown() override {
    if (server_) server_->Shutdown();
    if (pipeline_) pipeline_->Stop(/*drain=*/true);
  }

  static std::unique_ptr<grpc::ClientContext> Context(const std::string& token = "") {
    auto context = std::make_unique<grpc::ClientContext>();
    context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
    if (!token.empty()) context->AddMetadata("authorization", "Bearer " + token);
    return context;
  }

  // A request for the fake model: `images` ("class:N" decodes to class N).
  static inference::ModelInferRequest ImageRequest(const std::vector<std::string>& images,
                                                   const std::string& id = "") {
    inference::ModelInferRequest request;
    request.set_model_name("fake-model");
    request.set_id(id);
    auto* input = request.add_inputs();
    input->set_name("image");
    input->set_datatype("BYTES");
    input->add_shape(static_cast<int64_t>(images.size()));
    for (const std::string& image : images) input->mutable_contents()->add_bytes_contents(image);
    request.add_outputs()->set_name("probabilities");
    return request;
  }

  // The index of the largest probability of row `row`.
  static int Top1(const inference::ModelInferResponse& response, int row) {
    const auto& values = response.outputs(0).contents().fp32_contents();
    const int classes = static_cast<int>(response.outputs(0).shape(1));
    int best = 0;
    for (int c = 1; c < classes; ++c) {
      if (values[row * classes + c] > values[row * classes + best]) best = c;
    }
    return best;
  }

  FakeBackend backend_;
  FakePreprocessor preprocessor_;
  Metrics metrics_;
  std::unique_ptr<ServingContext> serving_;
  std::unique_ptr<GrpcInferenceServiceImpl> service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<InferencePipeline> pipeline_;
  std::unique_ptr<inference::GRPCInferenceService::Stub> stub_;
};

TEST_F(OipGrpcServiceTest, NotReadyAndUnavailableUntilThePipelineIsSet) {
  Start({}, /*ready=*/false);
  inference::ServerLiveResponse live;
  ASSERT_TRUE(stub_->ServerLive(Context().get(), {}, &live).ok());
  EXPECT_TRUE(live.live());
  inference::ServerReadyResponse ready;
  ASSERT_TRUE(stub_->ServerReady(Context().get(), {}, &ready).ok());
  EXPECT_FALSE(ready.ready());
  inference::ModelInferResponse response;
  grpc::Status status = stub_->ModelInfer(Context().get(), ImageRequest({"class:1"}), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << status.error_message();
  EXPECT_EQ(serving_->in_flight(), 0);

  serving_->SetPipeline(pipeline_.get());
  ASSERT_TRUE(stub_->ServerReady(Context().get(), {}, &ready).ok());
  EXPECT_TRUE(ready.ready());
  status = stub_->ModelInfer(Context().get(), ImageRequest({"class:1", "class:3"}), &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(Top1(response, 0), 1);
  EXPECT_EQ(Top1(response, 1), 3);
}

TEST_F(OipGrpcServiceTest, StreamAnswersEveryRequestThroughASmallWindow) {
  ServiceOptions options;
  options.max_stream_in_flight = 2;  // reading pauses while two are pending
  Start(options);
  auto context = Context();
  auto stream = stub_->ModelStreamInfer(context.get());
  constexpr int kRequests = 40;
  for (int i = 0; i < kRequests; ++i) {
    // Every fifth request does not decode; the stream goes on.
    const std::string image = i % 5 == 4 ? "garbage" : "class:" + std::to_string(i % 4);
    ASSERT_TRUE(stream->Write(ImageRequest({image}, "id-" + std::to_string(i))));
  }
  ASSERT_TRUE(stream->WritesDone());
  std::map<std::string, inference::ModelStreamInferResponse> answers;
  inference::ModelStreamInferResponse answer;
  while (stream->Read(&answer)) answers[answer.infer_response().id()] = answer;
  ASSERT_TRUE(stream->Finish().ok());
  ASSERT_EQ(answers.size(), static_cast<size_t>(kRequests));
  for (int i = 0; i < kRequests; ++i) {
    const inference::ModelStreamInferResponse& got = answers["id-" + std::to_string(i)];
    if (i % 5 == 4) {
      EXPECT_NE(got.error_message().find("decode"), std::string::npos) << got.error_message();
      EXPECT_EQ(got.infer_response().outputs_size(), 0);
    } else {
      ASSERT_EQ(got.error_message(), "") << i;
      EXPECT_EQ(Top1(got.infer_response(), 0), i % 4) << i;
    }
  }
  EXPECT_EQ(serving_->in_flight(), 0);
}

// A cancelled ModelStreamInfer: the requests still waiting for their batch
// are dropped (answered at once, never computed) and the stream ends.
TEST_F(OipGrpcServiceTest, CancelledStreamDropsItsQueuedRequests) {
  Start({}, /*ready=*/true, /*queue_delay_us=*/60'000'000);  // batches never fill by time
  auto context = Context();
  auto stream = stub_->ModelStreamInfer(context.get());
  ASSERT_TRUE(stream->Write(ImageRequest({"class:1"}, "a")));
  ASSERT_TRUE(stream->Write(ImageRequest({"class:2"}, "b")));
  for (int i = 0; i < 2500 && pipeline_->NumBatchQueued() < 2; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  ASSERT_EQ(pipeline_->NumBatchQueued(), 2u);
  context->TryCancel();
  for (int i = 0; i < 2500 && serving_->in_flight() > 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  EXPECT_EQ(serving_->in_flight(), 0);
  EXPECT_EQ(pipeline_->NumBatchQueued(), 0u);
  EXPECT_TRUE(backend_.batch_sizes().empty());
  EXPECT_EQ(stream->Finish().error_code(), grpc::StatusCode::CANCELLED);
}

TEST_F(OipGrpcServiceTest, StreamsOverTheCapAreResourceExhausted) {
  ServiceOptions options;
  options.max_streams = 1;
  Start(options);
  auto first_context = Context();
  auto first = stub_->ModelStreamInfer(first_context.get());
  ASSERT_TRUE(first->Write(ImageRequest({"class:2"}, "first")));
  inference::ModelStreamInferResponse answer;
  ASSERT_TRUE(first->Read(&answer));  // the first stream is open on the server now
  auto second_context = Context();
  auto second = stub_->ModelStreamInfer(second_context.get());
  EXPECT_EQ(second->Finish().error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  ASSERT_TRUE(first->WritesDone());
  EXPECT_TRUE(first->Finish().ok());
}

TEST_F(OipGrpcServiceTest, TokenGuardsAllButTheHealthChecks) {
  ServiceOptions options;
  options.auth_token = "secret";
  Start(options);
  inference::ModelReadyRequest ready_request;
  ready_request.set_name("fake-model");
  inference::ModelReadyResponse ready;
  ASSERT_TRUE(stub_->ModelReady(Context().get(), ready_request, &ready).ok());
  EXPECT_TRUE(ready.ready());
  inference::ServerMetadataResponse metadata;
  EXPECT_EQ(stub_->ServerMetadata(Context().get(), {}, &metadata).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_TRUE(stub_->ServerMetadata(Context("secret").get(), {}, &metadata).ok());
  inference::ModelInferResponse response;
  EXPECT_EQ(
      stub_->ModelInfer(Context("wrong").get(), ImageRequest({"class:0"}), &response).error_code(),
      grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_TRUE(
      stub_->ModelInfer(Context("secret").get(), ImageRequest({"class:0"}), &response).ok());
  auto context = Context();
  auto stream = stub_->ModelStreamInfer(context.get());
  EXPECT_EQ(stream->Finish().error_code(), grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(OipGrpcServiceTest, EncodingErrorsAreCountedAndReleaseTheirSlot) {
  Start();
  inference::ModelInferRequest request = ImageRequest({"class:1"});
  request.add_raw_input_contents("\x05");  // raw and typed mixed, and truncated
  inference::ModelInferResponse response;
  grpc::Status status = stub_->ModelInfer(Context().get(), request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(serving_->in_flight(), 0);
  EXPECT_EQ(serving_->answered(), 1);
  EXPECT_EQ(pipeline_->statistics().Snapshot().fail.count, 1u);
}

}  // namespace
}  // namespace vit::server::oip
