// The gRPC service in process, on 127.0.0.1, over the fake model: request
// validation, status codes, streams, batching under concurrency.
#include "server/vit_service.h"

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <set>
#include <thread>
#include <vector>

#include "server/inference_pipeline.h"
#include "server/metrics.h"
#include "tests/server/fake_model.h"
#include "vit/v1/vit.grpc.pb.h"

namespace vit::server {
namespace {

using testing::FakeBackend;
using testing::FakePreprocessor;

class ServiceTest : public ::testing::Test {
 protected:
  void Start(PipelineOptions pipeline_options = DefaultPipelineOptions(),
             ServiceOptions service_options = {}, bool ready = true) {
    service_ = std::make_unique<VitServiceImpl>(service_options, &metrics_);
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(service_.get());
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    ASSERT_GT(port, 0);
    auto pipeline =
        InferencePipeline::Create(pipeline_options, &backend_, &preprocessor_, &metrics_);
    ASSERT_TRUE(pipeline.ok()) << pipeline.status().ToString();
    pipeline_ = std::move(pipeline).value();
    if (ready) service_->SetPipeline(pipeline_.get());
    channel_ = grpc::CreateChannel("127.0.0.1:" + std::to_string(port),
                                   grpc::InsecureChannelCredentials());
    stub_ = v1::VitService::NewStub(channel_);
  }
  void TearDown() override {
    if (server_) server_->Shutdown();
    if (pipeline_) pipeline_->Stop(/*drain=*/true);
  }
  static PipelineOptions DefaultPipelineOptions() {
    PipelineOptions options;
    options.batching.max_batch_size = 8;
    options.batching.max_queue_delay_microseconds = 2000;
    options.warmup_batches = 0;
    return options;
  }
  grpc::Status Classify(const std::string& image, int top_k, v1::ClassifyResponse* response,
                        const std::string& model = "", int timeout_ms = 10000) {
    v1::ClassifyRequest request;
    request.set_image(image);
    request.set_top_k(top_k);
    request.set_model(model);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(timeout_ms));
    return stub_->Classify(&context, request, response);
  }

  FakeBackend backend_;
  FakePreprocessor preprocessor_;
  Metrics metrics_;
  std::unique_ptr<VitServiceImpl> service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<InferencePipeline> pipeline_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::VitService::Stub> stub_;
};

TEST_F(ServiceTest, ClassifyReturnsTopKWithLabelsAndTimings) {
  Start();
  v1::ClassifyResponse response;
  grpc::Status status = Classify("class:2", 3, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(response.predictions_size(), 3);
  EXPECT_EQ(response.predictions(0).class_index(), 2);
  EXPECT_EQ(response.predictions(0).label(), "two");
  // Logits (0, 0, 3, 0): softmax 20.09 / (3 + 20.09).
  EXPECT_NEAR(response.predictions(0).probability(), 0.8700, 1e-4);
  EXPECT_EQ(response.predictions(1).class_index(), 0) << "ties keep the lower index first";
  EXPECT_EQ(response.model_id(), "fake-model");
  EXPECT_EQ(response.timings().batch_size(), 1);
  EXPECT_GE(response.timings().total_us(), response.timings().queue_us());
  EXPECT_GE(response.timings().queue_us(), 1500) << "waited for the 2 ms batching delay";
}

TEST_F(ServiceTest, TopKZeroMeansDefaultCappedAtNumClasses) {
  Start();
  v1::ClassifyResponse response;
  ASSERT_TRUE(Classify("class:1", 0, &response).ok());
  EXPECT_EQ(response.predictions_size(), 4);  // default 5, but the model has 4 classes
}

TEST_F(ServiceTest, BadRequestsGetPreciseStatusCodes) {
  preprocessor_.max_bytes = 100;
  Start();
  v1::ClassifyResponse response;
  grpc::Status status = Classify("", 1, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(status.error_message().find("empty"), std::string::npos) << status.error_message();
  status = Classify("not an image", 1, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(status.error_message().find("decode"), std::string::npos) << status.error_message();
  status = Classify(std::string(101, 'x'), 1, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(status.error_message().find("101 bytes"), std::string::npos);
  for (int top_k : {-1, 5}) {
    status = Classify("class:1", top_k, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << top_k;
    EXPECT_NE(status.error_message().find("top_k"), std::string::npos);
  }
  status = Classify("class:1", 1, &response, "other-model");
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_NE(status.error_message().find("fake-model"), std::string::npos);
  ASSERT_TRUE(Classify("class:1", 1, &response, "fake-model").ok());
  EXPECT_EQ(backend_.batch_sizes(), std::vector<int>{1}) << "only the good request ran";
  const std::string metrics = metrics_.RenderPrometheus();
  EXPECT_NE(
      metrics.find(
          "vit_requests_total{protocol=\"vit\",method=\"Classify\",code=\"INVALID_ARGUMENT\"} 5"),
      std::string::npos)
      << metrics;
  EXPECT_NE(
      metrics.find("vit_requests_total{protocol=\"vit\",method=\"Classify\",code=\"NOT_FOUND\"} 1"),
      std::string::npos);
}

TEST_F(ServiceTest, UnavailableUntilTheModelIsReady) {
  Start(DefaultPipelineOptions(), {}, /*ready=*/false);
  v1::ClassifyResponse response;
  EXPECT_EQ(Classify("class:1", 1, &response).error_code(), grpc::StatusCode::UNAVAILABLE);
  grpc::ClientContext context;
  v1::ModelInfo info;
  EXPECT_EQ(stub_->GetModelInfo(&context, {}, &info).error_code(), grpc::StatusCode::UNAVAILABLE);
  service_->SetPipeline(pipeline_.get());
  EXPECT_TRUE(Classify("class:1", 1, &response).ok());
}

// A cancelled ClassifyStream: the images still waiting for their batch are
// dropped (answered at once, never computed) and the stream ends.
TEST_F(ServiceTest, CancelledStreamDropsItsQueuedImages) {
  PipelineOptions options = DefaultPipelineOptions();
  options.batching.max_queue_delay_microseconds = 60'000'000;  // batches never fill by time
  Start(options);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  auto stream = stub_->ClassifyStream(&context);
  for (int i = 0; i < 2; ++i) {
    v1::ClassifyRequest request;
    request.set_image("class:" + std::to_string(i));
    request.set_request_id(i);
    ASSERT_TRUE(stream->Write(request));
  }
  for (int i = 0; i < 2500 && pipeline_->NumBatchQueued() < 2; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  ASSERT_EQ(pipeline_->NumBatchQueued(), 2u);
  context.TryCancel();
  for (int i = 0; i < 2500 && service_->serving()->in_flight() > 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  EXPECT_EQ(service_->serving()->in_flight(), 0);
  EXPECT_EQ(pipeline_->NumBatchQueued(), 0u);
  EXPECT_TRUE(backend_.batch_sizes().empty());
  EXPECT_EQ(stream->Finish().error_code(), grpc::StatusCode::CANCELLED);
}

TEST_F(ServiceTest, DeadlinePassedWhileQueuedIsNotComputed) {
  PipelineOptions options = DefaultPipelineOptions();
  options.batching.max_queue_delay_microseconds = 2'000'000;
  Start(options);
  v1::ClassifyResponse response;
  grpc::Status status = Classify("class:1", 1, &response, "", /*timeout_ms=*/100);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  // The server fails it at its deadline rather than computing it at 2 s.
  for (int i = 0;
       i < 100 && metrics_.RenderPrometheus().find("DEADLINE_EXCEEDED") == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_NE(
      metrics_.RenderPrometheus().find(
          "vit_requests_total{protocol=\"vit\",method=\"Classify\",code=\"DEADLINE_EXCEEDED\"} 1"),
      std::string::npos);
  EXPECT_TRUE(backend_.batch_sizes().empty());
}

TEST_F(ServiceTest, FullQueueIsResourceExhausted) {
  PipelineOptions options = DefaultPipelineOptions();
  options.batching.max_queue_size = 1;
  options.batching.max_queue_delay_microseconds = 1'000'000;
  options.preprocess_threads = 1;
  Start(options);
  std::atomic<int> ok{0}, exhausted{0}, other{0};
  std::vector<std::thread> clients;
  for (int i = 0; i < 16; ++i) {
    clients.emplace_back([&] {
      v1::ClassifyResponse response;
      grpc::Status status = Classify("class:3", 1, &response);
      if (status.ok())
        ++ok;
      else if (status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED)
        ++exhausted;
      else
        ++other;
    });
  }
  for (auto& client : clients) client.join();
  EXPECT_GE(ok.load(), 1);
  EXPECT_GE(exhausted.load(), 1);
  EXPECT_EQ(other.load(), 0);
  EXPECT_EQ(ok + exhausted, 16);
}

TEST_F(ServiceTest, EmbedReturnsFeatures) {
  Start();
  v1::EmbedRequest request;
  request.set_image("class:2");
  v1::EmbedResponse response;
  grpc::ClientContext context;
  ASSERT_TRUE(stub_->Embed(&context, request, &response).ok());
  ASSERT_EQ(response.embedding_size(), 3);
  EXPECT_EQ(response.embedding(0), 20.0f);
  EXPECT_EQ(response.embedding(2), 22.0f);
  EXPECT_EQ(response.model_id(), "fake-model");
}

TEST_F(ServiceTest, GetModelInfoDescribesModelAndBatching) {
  Start();
  grpc::ClientContext context;
  v1::ModelInfo info;
  ASSERT_TRUE(stub_->GetModelInfo(&context, {}, &info).ok());
  EXPECT_EQ(info.id(), "fake-model");
  EXPECT_EQ(info.num_classes(), 4);
  EXPECT_EQ(info.labels_size(), 4);
  EXPECT_EQ(info.preprocessing().input_height(), 32);
  EXPECT_EQ(info.preprocessing().resize_mode(), "shorter_side_then_center_crop");
  EXPECT_EQ(info.batching().max_batch_size(), 8);
  EXPECT_EQ(info.batching().max_queue_delay_microseconds(), 2000);
}

TEST_F(ServiceTest, StreamFailsOnlyTheBadImages) {
  ServiceOptions service_options;
  service_options.max_stream_in_flight = 4;  // exercises read pausing
  Start(DefaultPipelineOptions(), service_options);
  grpc::ClientContext context;
  auto stream = stub_->ClassifyStream(&context);
  constexpr int kRequests = 40;
  std::thread writer([&] {
    for (int i = 0; i < kRequests; ++i) {
      v1::ClassifyRequest request;
      request.set_request_id(1000 + i);
      request.set_top_k(1);
      if (i % 5 == 3)
        request.set_image("garbage");
      else if (i % 5 == 4)
        request.set_image("");
      else
        request.set_image("class:" + std::to_string(i % 4));
      ASSERT_TRUE(stream->Write(request));
    }
    stream->WritesDone();
  });
  std::set<uint64_t> seen;
  v1::ClassifyStreamResponse response;
  while (stream->Read(&response)) {
    const int i = static_cast<int>(response.request_id()) - 1000;
    ASSERT_TRUE(seen.insert(response.request_id()).second) << "duplicate response " << i;
    if (i % 5 >= 3) {
      EXPECT_EQ(response.code(), static_cast<int>(grpc::StatusCode::INVALID_ARGUMENT)) << i;
      EXPECT_FALSE(response.message().empty());
      EXPECT_FALSE(response.has_result());
    } else {
      ASSERT_EQ(response.code(), 0) << i << ": " << response.message();
      EXPECT_EQ(response.result().predictions(0).class_index(), i % 4) << i;
    }
  }
  writer.join();
  EXPECT_TRUE(stream->Finish().ok());
  EXPECT_EQ(seen.size(), static_cast<size_t>(kRequests));
}

TEST_F(ServiceTest, ConcurrentClientsAllGetTheirOwnAnswers) {
  Start();
  constexpr int kClients = 64, kPerClient = 5;
  std::atomic<int> correct{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      for (int r = 0; r < kPerClient; ++r) {
        const int expected = (c + r) % 4;
        v1::ClassifyResponse response;
        grpc::Status status = Classify("class:" + std::to_string(expected), 1, &response);
        if (status.ok() && response.predictions(0).class_index() == expected) ++correct;
      }
    });
  }
  for (auto& client : clients) client.join();
  EXPECT_EQ(correct.load(), kClients * kPerClient);
  int largest = 0;
  for (int size : backend_.batch_sizes()) {
    EXPECT_LE(size, 8);
    largest = std::max(largest, size);
  }
  EXPECT_GT(largest, 1) << "concurrent requests were batched";
}

// A pipeline that holds every request in the batch queue for `delay_us`.
PipelineOptions SlowBatchingOptions(int64_t delay_us) {
  PipelineOptions options;
  options.batching.max_batch_size = 64;
  options.batching.max_queue_delay_microseconds = delay_us;
  options.warmup_batches = 0;
  return options;
}

TEST_F(ServiceTest, InFlightCapAnswersResourceExhaustedAtOnce) {
  ServiceOptions service_options;
  service_options.max_in_flight_requests = 2;
  Start(SlowBatchingOptions(1'500'000), service_options);
  std::vector<std::thread> holders;
  std::atomic<int> held_ok{0};
  for (int i = 0; i < 2; ++i) {
    holders.emplace_back([&] {
      v1::ClassifyResponse response;
      if (Classify("class:1", 1, &response).ok()) ++held_ok;
    });
  }
  for (int i = 0; i < 500 && service_->in_flight() < 2; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  ASSERT_EQ(service_->in_flight(), 2);

  const auto start = std::chrono::steady_clock::now();
  v1::ClassifyResponse response;
  grpc::Status status = Classify("class:2", 1, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_NE(status.error_message().find("--max-in-flight-requests"), std::string::npos)
      << status.error_message();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(1000))
      << "rejected at once, not after the queued requests";
  v1::EmbedRequest embed_request;
  embed_request.set_image("class:2");
  v1::EmbedResponse embedding;
  grpc::ClientContext context;
  EXPECT_EQ(stub_->Embed(&context, embed_request, &embedding).error_code(),
            grpc::StatusCode::RESOURCE_EXHAUSTED);

  for (auto& holder : holders) holder.join();
  EXPECT_EQ(held_ok.load(), 2);
  EXPECT_EQ(service_->in_flight(), 0);
  EXPECT_TRUE(Classify("class:2", 1, &response).ok()) << "room again once answered";
}

TEST_F(ServiceTest, StreamCapRejectsExtraStreamsUntilOneCloses) {
  ServiceOptions service_options;
  service_options.max_streams = 1;
  Start(DefaultPipelineOptions(), service_options);
  auto round_trip =
      [](grpc::ClientReaderWriter<v1::ClassifyRequest, v1::ClassifyStreamResponse>* stream) {
        v1::ClassifyRequest request;
        request.set_request_id(7);
        request.set_image("class:3");
        request.set_top_k(1);
        v1::ClassifyStreamResponse response;
        return stream->Write(request) && stream->Read(&response) && response.code() == 0;
      };
  grpc::ClientContext first_context;
  auto first = stub_->ClassifyStream(&first_context);
  ASSERT_TRUE(round_trip(first.get()));
  ASSERT_EQ(service_->open_streams(), 1);

  grpc::ClientContext second_context;
  auto second = stub_->ClassifyStream(&second_context);
  v1::ClassifyStreamResponse ignored;
  EXPECT_FALSE(second->Read(&ignored)) << "refused before any response";
  grpc::Status refused = second->Finish();
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_NE(refused.error_message().find("--max-streams"), std::string::npos);

  first->WritesDone();
  EXPECT_FALSE(first->Read(&ignored));
  ASSERT_TRUE(first->Finish().ok());
  for (int i = 0; i < 500 && service_->open_streams() > 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  ASSERT_EQ(service_->open_streams(), 0);
  grpc::ClientContext third_context;
  auto third = stub_->ClassifyStream(&third_context);
  EXPECT_TRUE(round_trip(third.get())) << "a slot is free again";
  third->WritesDone();
  EXPECT_TRUE(third->Finish().ok());
  EXPECT_NE(metrics_.RenderPrometheus().find("vit_requests_total{protocol=\"vit\",method="
                                             "\"ClassifyStream\",code=\"RESOURCE_EXHAUSTED\"} 1"),
            std::string::npos);
}

TEST_F(ServiceTest, DefaultDeadlineAppliesOnlyWhenTheClientSendsNone) {
  ServiceOptions service_options;
  service_options.default_deadline_ms = 100;
  Start(SlowBatchingOptions(800'000), service_options);
  v1::ClassifyRequest request;
  request.set_image("class:1");
  v1::ClassifyResponse response;
  grpc::ClientContext no_deadline;  // waits as long as the server lets it
  const auto start = std::chrono::steady_clock::now();
  grpc::Status status = stub_->Classify(&no_deadline, request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED) << status.error_message();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(700))
      << "failed at the default deadline, before the batching delay ended";
  EXPECT_TRUE(backend_.batch_sizes().empty()) << "not computed";

  // A client deadline longer than the default wins over it.
  EXPECT_TRUE(Classify("class:1", 1, &response, "", /*timeout_ms=*/5000).ok());
}

TEST_F(ServiceTest, BearerTokenGuardsEveryMethod) {
  ServiceOptions service_options;
  service_options.auth_token = "s3cret-token";
  Start(DefaultPipelineOptions(), service_options);
  v1::ClassifyRequest request;
  request.set_image("class:2");
  request.set_top_k(1);
  auto classify = [&](const std::string& authorization) {
    grpc::ClientContext context;
    if (!authorization.empty()) context.AddMetadata("authorization", authorization);
    v1::ClassifyResponse response;
    return stub_->Classify(&context, request, &response);
  };
  for (const std::string& bad :
       {std::string(), std::string("Bearer wrong"), std::string("Bearer s3cret-token2"),
        std::string("s3cret-token"), std::string("Basic s3cret-token")}) {
    grpc::Status status = classify(bad);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED) << "'" << bad << "'";
    EXPECT_EQ(status.error_message().find("s3cret"), std::string::npos) << "no echo";
  }
  EXPECT_TRUE(classify("Bearer s3cret-token").ok());

  grpc::ClientContext info_context;
  v1::ModelInfo info;
  EXPECT_EQ(stub_->GetModelInfo(&info_context, {}, &info).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  grpc::ClientContext embed_context;
  v1::EmbedRequest embed_request;
  embed_request.set_image("class:2");
  v1::EmbedResponse embedding;
  EXPECT_EQ(stub_->Embed(&embed_context, embed_request, &embedding).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  grpc::ClientContext stream_context;
  auto stream = stub_->ClassifyStream(&stream_context);
  v1::ClassifyStreamResponse ignored;
  EXPECT_FALSE(stream->Read(&ignored));
  EXPECT_EQ(stream->Finish().error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(backend_.batch_sizes(), std::vector<int>{1}) << "only the authenticated call ran";
  EXPECT_EQ(service_->open_streams(), 0);
  EXPECT_NE(
      metrics_.RenderPrometheus().find(
          "vit_requests_total{protocol=\"vit\",method=\"Classify\",code=\"UNAUTHENTICATED\"} 5"),
      std::string::npos)
      << metrics_.RenderPrometheus();
}

}  // namespace
}  // namespace vit::server
