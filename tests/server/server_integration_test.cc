// Starts the real vit-server binary on 127.0.0.1 with the tiny timm fixture
// model and checks its answers against the model and preprocessing libraries
// called in process, its status codes, health and graceful shutdown.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <filesystem>
#include <map>
#include <memory>
#include <opencv2/imgcodecs.hpp>
#include <set>
#include <thread>
#include <vector>

#include "grpc/health/v1/health.grpc.pb.h"
#include "model/inference_engine.h"
#include "preprocessing/image_preprocessor.h"
#include "server/inference_pipeline.h"
#include "tests/server/server_process.h"
#include "tests/support/files.h"
#include "tests/support/test_paths.h"
#include "vit/v1/vit.grpc.pb.h"

namespace vit::server {
namespace {

using grpc::health::v1::HealthCheckResponse;
using testing::HttpGet;
using testing::MetricValue;
using testing::ServerProcess;
using vit::testing::ReadFile;

std::string ModelDir() { return vit::testing::FixturesDir() + "/timm_vit_tiny_patch16_224"; }

struct TestImage {
  std::string name;
  std::string bytes;
  bool decodable = false;
  std::vector<ClassScore> top5;  // in-process result
  std::vector<float> features;
};

// In-process ground truth: the same libraries the server uses, called directly.
std::vector<TestImage> LoadExpectations() {
  EngineOptions options;
  options.dtype = "fp32";
  options.threads = 1;
  auto engine = InferenceEngine::Load(ModelDir(), options);
  EXPECT_TRUE(engine.ok()) << engine.status().ToString();
  if (!engine.ok()) return {};
  const ModelInfo& info = (*engine)->info();
  preprocessing::ImagePreprocessor preprocessor(info.preprocess);
  std::vector<TestImage> images;
  for (const auto& entry : std::filesystem::directory_iterator(vit::testing::TestImagesDir())) {
    TestImage image;
    image.name = entry.path().filename().string();
    image.bytes = ReadFile(entry.path().string());
    std::vector<float> tokens(preprocessor.tokens_size());
    image.decodable = preprocessor
                          .EncodedToTokens(reinterpret_cast<const uint8_t*>(image.bytes.data()),
                                           image.bytes.size(), tokens.data())
                          .ok();
    if (image.decodable) {
      std::vector<float> logits(info.num_classes);
      image.features.resize(info.feature_dim);
      EXPECT_TRUE((*engine)->Run(tokens.data(), 1, logits.data(), image.features.data()).ok());
      image.top5 = TopKSoftmax(logits.data(), info.num_classes, 5);
    }
    images.push_back(std::move(image));
  }
  std::sort(images.begin(), images.end(),
            [](const TestImage& a, const TestImage& b) { return a.name < b.name; });
  return images;
}

std::vector<std::string> BaseArgs() {
  return {"--model", ModelDir(), "--dtype", "fp32", "--threads", "1", "--log-level", "debug"};
}

std::vector<std::string> With(std::vector<std::string> args, const std::vector<std::string>& more) {
  args.insert(args.end(), more.begin(), more.end());
  return args;
}

HealthCheckResponse::ServingStatus Health(const std::string& address) {
  auto stub = grpc::health::v1::Health::NewStub(
      grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(2));
  grpc::health::v1::HealthCheckResponse response;
  if (!stub->Check(&context, {}, &response).ok()) return HealthCheckResponse::UNKNOWN;
  return response.status();
}

bool WaitServing(const std::string& address) {
  for (int i = 0; i < 600; ++i) {
    if (Health(address) == HealthCheckResponse::SERVING) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

class ServerIntegrationTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    images_ = new std::vector<TestImage>(LoadExpectations());
    server_ = new ServerProcess();
    ASSERT_TRUE(server_->Start(
        VIT_SERVER_BINARY,
        With(BaseArgs(), {"--max-pixels", "2000000", "--max-image-bytes", "4000000"})))
        << server_->output();
    ASSERT_TRUE(WaitServing(server_->address())) << server_->output();
  }
  static void TearDownTestSuite() {
    delete server_;
    delete images_;
  }
  void SetUp() override {
    ASSERT_FALSE(images_->empty());
    channel_ = grpc::CreateChannel(server_->address(), grpc::InsecureChannelCredentials());
    stub_ = v1::VitService::NewStub(channel_);
  }
  grpc::Status Classify(const std::string& bytes, int top_k, v1::ClassifyResponse* response,
                        const std::string& model = "") {
    v1::ClassifyRequest request;
    request.set_image(bytes);
    request.set_top_k(top_k);
    request.set_model(model);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
    return stub_->Classify(&context, request, response);
  }
  static void ExpectMatches(const TestImage& image, const v1::ClassifyResponse& response,
                            float tolerance) {
    ASSERT_EQ(response.predictions_size(), static_cast<int>(image.top5.size())) << image.name;
    for (int i = 0; i < response.predictions_size(); ++i) {
      EXPECT_EQ(response.predictions(i).class_index(), image.top5[i].class_index)
          << image.name << " rank " << i;
      EXPECT_NEAR(response.predictions(i).probability(), image.top5[i].probability, tolerance)
          << image.name << " rank " << i;
    }
  }

  static std::vector<TestImage>* images_;
  static ServerProcess* server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::VitService::Stub> stub_;
};

std::vector<TestImage>* ServerIntegrationTest::images_ = nullptr;
ServerProcess* ServerIntegrationTest::server_ = nullptr;

TEST_F(ServerIntegrationTest, ClassifyAndEmbedMatchInProcessModel) {
  int checked = 0;
  for (const TestImage& image : *images_) {
    if (!image.decodable) continue;
    v1::ClassifyResponse response;
    grpc::Status status = Classify(image.bytes, 5, &response);
    ASSERT_TRUE(status.ok()) << image.name << ": " << status.error_message();
    ExpectMatches(image, response, 1e-5f);
    EXPECT_EQ(response.model_id(), "timm_vit_tiny_patch16_224");
    EXPECT_FALSE(response.predictions(0).label().empty());
    EXPECT_GT(response.timings().inference_us(), 0);
    EXPECT_GT(response.timings().preprocess_us(), 0);

    v1::EmbedRequest embed_request;
    embed_request.set_image(image.bytes);
    v1::EmbedResponse embedding;
    grpc::ClientContext context;
    ASSERT_TRUE(stub_->Embed(&context, embed_request, &embedding).ok());
    ASSERT_EQ(embedding.embedding_size(), static_cast<int>(image.features.size()));
    for (size_t i = 0; i < image.features.size(); ++i)
      EXPECT_NEAR(embedding.embedding(i), image.features[i], 1e-4f) << image.name << " " << i;
    ++checked;
  }
  EXPECT_GE(checked, 5);
}

TEST_F(ServerIntegrationTest, SixtyFourConcurrentClientsGetCorrectAnswers) {
  std::vector<const TestImage*> good;
  for (const TestImage& image : *images_)
    if (image.decodable) good.push_back(&image);
  constexpr int kClients = 64, kPerClient = 4;
  std::atomic<int> correct{0};
  std::vector<std::string> failures;
  std::mutex failures_mu;  // guards failures
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      // One channel per client: 64 separate connections.
      grpc::ChannelArguments arguments;
      arguments.SetInt("vit.test_client", c);
      auto stub = v1::VitService::NewStub(grpc::CreateCustomChannel(
          server_->address(), grpc::InsecureChannelCredentials(), arguments));
      for (int r = 0; r < kPerClient; ++r) {
        const TestImage& image = *good[(c * kPerClient + r) % good.size()];
        v1::ClassifyRequest request;
        request.set_image(image.bytes);
        request.set_top_k(5);
        v1::ClassifyResponse response;
        grpc::ClientContext context;
        context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(120));
        grpc::Status status = stub->Classify(&context, request, &response);
        bool same = status.ok() && response.predictions_size() == 5;
        // Batched runs may differ from batch-1 runs in the last float bits.
        for (int i = 0; same && i < 5; ++i) {
          same =
              response.predictions(i).class_index() == image.top5[i].class_index &&
              std::abs(response.predictions(i).probability() - image.top5[i].probability) < 1e-4f;
        }
        if (same) {
          ++correct;
        } else {
          std::lock_guard<std::mutex> lock(failures_mu);
          failures.push_back(image.name + ": " + status.error_message());
        }
      }
    });
  }
  for (auto& client : clients) client.join();
  EXPECT_EQ(correct.load(), kClients * kPerClient) << (failures.empty() ? "" : failures.front());
  const std::string metrics = HttpGet(server_->metrics_port(), "/metrics");
  EXPECT_GT(MetricValue(metrics, "vit_batch_size_count"), 0) << metrics;
  EXPECT_LT(MetricValue(metrics, "vit_batch_size_count"),
            MetricValue(metrics, "vit_batch_size_sum"))
      << "concurrent requests were batched";
}

TEST_F(ServerIntegrationTest, ClassifyStreamMixesGoodAndBadImages) {
  grpc::ClientContext context;
  auto stream = stub_->ClassifyStream(&context);
  std::map<uint64_t, const TestImage*> sent;  // null = garbage or empty
  uint64_t id = 0;
  for (int round = 0; round < 3; ++round) {
    for (const TestImage& image : *images_) {
      v1::ClassifyRequest request;
      request.set_request_id(++id);
      request.set_image(image.bytes);
      request.set_top_k(5);
      sent[id] = &image;
      ASSERT_TRUE(stream->Write(request));
    }
    v1::ClassifyRequest garbage;
    garbage.set_request_id(++id);
    garbage.set_image(id % 2 ? "definitely not an image" : "");
    sent[id] = nullptr;
    ASSERT_TRUE(stream->Write(garbage));
  }
  stream->WritesDone();
  std::set<uint64_t> answered;
  v1::ClassifyStreamResponse response;
  int good = 0, bad = 0;
  while (stream->Read(&response)) {
    ASSERT_TRUE(sent.count(response.request_id())) << response.request_id();
    ASSERT_TRUE(answered.insert(response.request_id()).second) << "answered twice";
    const TestImage* image = sent[response.request_id()];
    if (image != nullptr && image->decodable) {
      ASSERT_EQ(response.code(), 0) << image->name << ": " << response.message();
      ExpectMatches(*image, response.result(), 1e-4f);
      ++good;
    } else {
      EXPECT_EQ(response.code(), static_cast<int>(grpc::StatusCode::INVALID_ARGUMENT));
      EXPECT_FALSE(response.message().empty());
      ++bad;
    }
  }
  ASSERT_TRUE(stream->Finish().ok());
  EXPECT_EQ(answered.size(), sent.size());
  EXPECT_GT(good, 0);
  EXPECT_GE(bad, 3);
}

TEST_F(ServerIntegrationTest, BadRequestsGetInvalidArgumentOrNotFound) {
  const TestImage* good = nullptr;
  for (const TestImage& image : *images_)
    if (image.decodable) good = &image;
  ASSERT_NE(good, nullptr);
  v1::ClassifyResponse response;
  auto expect = [&](grpc::Status status, grpc::StatusCode code, const std::string& text) {
    EXPECT_EQ(status.error_code(), code) << status.error_message();
    EXPECT_NE(status.error_message().find(text), std::string::npos) << status.error_message();
  };
  expect(Classify("", 5, &response), grpc::StatusCode::INVALID_ARGUMENT, "empty");
  expect(Classify(std::string(1000, '\x42'), 5, &response), grpc::StatusCode::INVALID_ARGUMENT, "");
  // 2,000 x 1,200 = 2.4 Mpx, over --max-pixels 2000000.
  std::vector<uint8_t> png;
  cv::imencode(".png", cv::Mat(1200, 2000, CV_8UC3, cv::Scalar(10, 200, 30)), png);
  expect(Classify(std::string(png.begin(), png.end()), 5, &response),
         grpc::StatusCode::INVALID_ARGUMENT, "pixels");
  // Over --max-image-bytes 4000000, within gRPC's own limit.
  expect(Classify(std::string(4'000'001, 'x'), 5, &response), grpc::StatusCode::INVALID_ARGUMENT,
         "4000001 bytes");
  expect(Classify(good->bytes, -1, &response), grpc::StatusCode::INVALID_ARGUMENT, "top_k");
  expect(Classify(good->bytes, 11, &response), grpc::StatusCode::INVALID_ARGUMENT, "top_k");
  expect(Classify(good->bytes, 5, &response, "resnet50"), grpc::StatusCode::NOT_FOUND, "resnet50");
  for (const TestImage& image : *images_) {
    if (!image.decodable) {
      expect(Classify(image.bytes, 5, &response), grpc::StatusCode::INVALID_ARGUMENT, "");
    }
  }
}

TEST_F(ServerIntegrationTest, GetModelInfoAndMetrics) {
  grpc::ClientContext context;
  v1::ModelInfo info;
  ASSERT_TRUE(stub_->GetModelInfo(&context, {}, &info).ok());
  EXPECT_EQ(info.id(), "timm_vit_tiny_patch16_224");
  EXPECT_EQ(info.num_classes(), 10);
  EXPECT_EQ(info.labels_size(), 10);
  EXPECT_EQ(info.dtype(), "fp32");
  EXPECT_EQ(info.backend(), "fast");  // the default engine
  EXPECT_EQ(info.threads(), 1);
  EXPECT_EQ(info.preprocessing().input_height(), 224);
  EXPECT_EQ(info.batching().max_batch_size(), 8);
  const std::string metrics = HttpGet(server_->metrics_port(), "/metrics");
  EXPECT_NE(metrics.find("vit_model_info{id=\"timm_vit_tiny_patch16_224\""), std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("vit_queue_depth{queue=\"batch\"}"), std::string::npos);
  EXPECT_NE(metrics.find("vit_inference_latency_seconds_bucket"), std::string::npos);
}

TEST(ServerLifecycleTest, QueueFullAndExpiredDeadline) {
  ServerProcess server;
  ASSERT_TRUE(server.Start(VIT_SERVER_BINARY,
                           With(BaseArgs(), {"--max-queue-size", "1", "--preprocess-threads", "1",
                                             "--max-queue-delay-microseconds", "3000000"})))
      << server.output();
  ASSERT_TRUE(WaitServing(server.address())) << server.output();
  auto stub = v1::VitService::NewStub(
      grpc::CreateChannel(server.address(), grpc::InsecureChannelCredentials()));
  const std::string image = ReadFile(vit::testing::TestImagesDir() + "/chelsea.png");
  auto classify = [&](int timeout_ms) {
    v1::ClassifyRequest request;
    request.set_image(image);
    v1::ClassifyResponse response;
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(timeout_ms));
    return stub->Classify(&context, request, &response).error_code();
  };

  // A deadline shorter than the batching delay: failed, and never computed.
  EXPECT_EQ(classify(300), grpc::StatusCode::DEADLINE_EXCEEDED);
  std::string metrics;
  for (int i = 0; i < 100; ++i) {
    metrics = HttpGet(server.metrics_port(), "/metrics");
    if (MetricValue(metrics,
                    "vit_requests_total{protocol=\"vit\",method=\"Classify\",code=\"DEADLINE_"
                    "EXCEEDED\"}") == 1)
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(
      MetricValue(
          metrics,
          "vit_requests_total{protocol=\"vit\",method=\"Classify\",code=\"DEADLINE_EXCEEDED\"}"),
      1)
      << metrics;
  EXPECT_EQ(MetricValue(metrics, "vit_inferred_images_total"), 0) << metrics;

  // A burst against a queue of one: the rest are rejected at once.
  std::atomic<int> ok{0}, exhausted{0}, other{0};
  std::vector<std::thread> burst;
  for (int i = 0; i < 12; ++i) {
    burst.emplace_back([&] {
      const grpc::StatusCode code = classify(30000);
      if (code == grpc::StatusCode::OK)
        ++ok;
      else if (code == grpc::StatusCode::RESOURCE_EXHAUSTED)
        ++exhausted;
      else
        ++other;
    });
  }
  for (auto& thread : burst) thread.join();
  EXPECT_GE(ok.load(), 1);
  EXPECT_GE(exhausted.load(), 1);
  EXPECT_EQ(other.load(), 0);
  server.Signal(SIGTERM);
  EXPECT_EQ(server.Wait(), 0) << server.output();
}

TEST(ServerLifecycleTest, OverloadLimitsAnswerAtOnceAndDefaultDeadlineApplies) {
  ServerProcess server;
  // Requests wait 3 s in the batch queue; at most 2 in flight, 1 stream open,
  // and a request without a deadline gets 1 s.
  ASSERT_TRUE(
      server.Start(VIT_SERVER_BINARY,
                   With(BaseArgs(), {"--max-batch-size", "64", "--max-queue-delay-microseconds",
                                     "3000000", "--max-in-flight-requests", "2", "--max-streams",
                                     "1", "--default-deadline-ms", "1000"})))
      << server.output();
  ASSERT_TRUE(WaitServing(server.address())) << server.output();
  auto stub = v1::VitService::NewStub(
      grpc::CreateChannel(server.address(), grpc::InsecureChannelCredentials()));
  v1::ClassifyRequest request;
  request.set_image(ReadFile(vit::testing::TestImagesDir() + "/chelsea.png"));
  auto wait_in_flight = [&](double n) {
    double value = -1;
    for (int i = 0; i < 500 && value != n; ++i) {
      value = MetricValue(HttpGet(server.metrics_port(), "/metrics"), "vit_requests_in_flight");
      if (value != n) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return value == n;
  };

  // In flight 1: a stream item with no deadline of its own.
  grpc::ClientContext stream_context;
  auto stream = stub->ClassifyStream(&stream_context);
  const auto written = std::chrono::steady_clock::now();
  ASSERT_TRUE(stream->Write(request));
  ASSERT_TRUE(wait_in_flight(1));
  // In flight 2: a unary call with a long deadline.
  grpc::StatusCode held = grpc::StatusCode::UNKNOWN;
  std::thread holder([&] {
    v1::ClassifyResponse response;
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    held = stub->Classify(&context, request, &response).error_code();
  });
  ASSERT_TRUE(wait_in_flight(2));

  // Full: the third is refused at once, as is a second stream.
  const auto start = std::chrono::steady_clock::now();
  v1::ClassifyResponse response;
  grpc::ClientContext refused_context;
  refused_context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  grpc::Status refused = stub->Classify(&refused_context, request, &response);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_NE(refused.error_message().find("--max-in-flight-requests"), std::string::npos);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(500));
  grpc::ClientContext second_stream_context;
  auto second_stream = stub->ClassifyStream(&second_stream_context);
  v1::ClassifyStreamResponse item;
  EXPECT_FALSE(second_stream->Read(&item));
  EXPECT_EQ(second_stream->Finish().error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);

  // The stream item fails at the 1 s default deadline, not after the 3 s delay.
  ASSERT_TRUE(stream->Read(&item));
  EXPECT_EQ(item.code(), static_cast<int>(grpc::StatusCode::DEADLINE_EXCEEDED)) << item.message();
  EXPECT_LT(std::chrono::steady_clock::now() - written, std::chrono::milliseconds(2500));
  stream->WritesDone();
  EXPECT_TRUE(stream->Finish().ok());
  holder.join();
  EXPECT_EQ(held, grpc::StatusCode::OK) << "its own 30 s deadline outlasts the batching delay";
  EXPECT_TRUE(wait_in_flight(0));
  server.Signal(SIGTERM);
  EXPECT_EQ(server.Wait(), 0) << server.output();
}

TEST(ServerLifecycleTest, HealthGoesNotServingServingNotServing) {
  ServerProcess server;
  // Enough warm-up that the loading phase is observable.
  ASSERT_TRUE(server.Start(VIT_SERVER_BINARY, With(BaseArgs(), {"--warmup-batches", "40",
                                                                "--shutdown-delay-ms", "1500"})))
      << server.output();
  std::vector<HealthCheckResponse::ServingStatus> seen;
  for (int i = 0; i < 1200 && (seen.empty() || seen.back() != HealthCheckResponse::SERVING); ++i) {
    seen.push_back(Health(server.address()));
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_EQ(seen.back(), HealthCheckResponse::SERVING) << server.output();
  EXPECT_EQ(seen.front(), HealthCheckResponse::NOT_SERVING) << "warm-up was not observed";
  EXPECT_TRUE(server.WaitForOutput("warmup_batches=40", std::chrono::milliseconds(1000)));

  server.Signal(SIGTERM);
  // During --shutdown-delay-ms the server still answers, with NOT_SERVING.
  HealthCheckResponse::ServingStatus during = HealthCheckResponse::SERVING;
  for (int i = 0; i < 100 && during == HealthCheckResponse::SERVING; ++i) {
    during = Health(server.address());
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(during, HealthCheckResponse::NOT_SERVING);
  EXPECT_EQ(server.Wait(), 0) << server.output();
  EXPECT_NE(server.output().find("drained in"), std::string::npos) << server.output();
}

TEST(ServerLifecycleTest, SigtermWhileRequestsInFlightLosesNone) {
  ServerProcess server;
  // A long batching delay holds every request in the queue until shutdown.
  ASSERT_TRUE(
      server.Start(VIT_SERVER_BINARY,
                   With(BaseArgs(), {"--max-batch-size", "64", "--max-queue-delay-microseconds",
                                     "30000000", "--log-format", "json"})))
      << server.output();
  ASSERT_TRUE(WaitServing(server.address())) << server.output();
  const std::string image = ReadFile(vit::testing::TestImagesDir() + "/coffee.png");
  constexpr int kRequests = 24;
  std::atomic<int> ok{0};
  std::vector<std::thread> clients;
  auto stub = v1::VitService::NewStub(
      grpc::CreateChannel(server.address(), grpc::InsecureChannelCredentials()));
  for (int i = 0; i < kRequests; ++i) {
    clients.emplace_back([&] {
      v1::ClassifyRequest request;
      request.set_image(image);
      v1::ClassifyResponse response;
      grpc::ClientContext context;
      context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
      if (stub->Classify(&context, request, &response).ok() && response.predictions_size() == 5)
        ++ok;
    });
  }
  // Wait until all of them sit in the batch queue.
  double queued = 0;
  for (int i = 0; i < 1000 && queued < kRequests; ++i) {
    queued =
        MetricValue(HttpGet(server.metrics_port(), "/metrics"), "vit_queue_depth{queue=\"batch\"}");
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_EQ(queued, kRequests);
  const auto signalled = std::chrono::steady_clock::now();
  server.Signal(SIGTERM);
  for (auto& client : clients) client.join();
  EXPECT_EQ(ok.load(), kRequests) << server.output();
  EXPECT_LT(std::chrono::steady_clock::now() - signalled, std::chrono::seconds(20))
      << "the drain ran the queue at once instead of waiting out the batching delay";
  EXPECT_EQ(server.Wait(), 0) << server.output();
  EXPECT_NE(server.output().find("\"msg\":\"drained in"), std::string::npos) << server.output();
  EXPECT_NE(server.output().find(std::to_string(kRequests) + " request(s) answered"),
            std::string::npos)
      << server.output();
  // Once shut down, calls are UNAVAILABLE.
  v1::ClassifyRequest request;
  request.set_image(image);
  v1::ClassifyResponse response;
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  EXPECT_EQ(stub->Classify(&context, request, &response).error_code(),
            grpc::StatusCode::UNAVAILABLE);
}

}  // namespace
}  // namespace vit::server
