// A client that closes its HTTP connection while its request waits for a
// batch: the transport sets the request's cancellation flag, the executor
// drops the request at once, and the fake model (which counts what it ran)
// computes nothing. /v1/classify and the Open Inference Protocol's infer, on a
// real socket on 127.0.0.1.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "server/http/http_server.h"
#include "server/http_api/http_api_handler.h"
#include "server/inference_pipeline.h"
#include "server/metrics.h"
#include "server/vit_service.h"
#include "tests/server/fake_model.h"

namespace vit::server::http_api {
namespace {

// Connects to 127.0.0.1:`port` and sends `request`; the socket, or -1.
int SendRequest(int port, const std::string& request) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
      send(fd, request.data(), request.size(), 0) != static_cast<ssize_t>(request.size())) {
    close(fd);
    return -1;
  }
  return fd;
}

std::string Post(const std::string& target, const std::string& body) {
  return "POST " + target +
         " HTTP/1.1\r\nHost: test\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" +
         body;
}

class HttpCancellationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    PipelineOptions options;
    options.batching.max_batch_size = 8;
    options.batching.max_queue_delay_microseconds = 60'000'000;  // batches never fill by time
    options.warmup_batches = 0;
    auto pipeline = InferencePipeline::Create(options, &backend_, &preprocessor_, &metrics_);
    ASSERT_TRUE(pipeline.ok()) << pipeline.status().ToString();
    pipeline_ = std::move(pipeline).value();
    service_.SetPipeline(pipeline_.get());
    http::HttpServerOptions server_options;
    server_options.host = "127.0.0.1";
    server_options.port = 0;
    auto server = http::HttpServer::Start(server_options, &handler_);
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(server).value();
  }
  void TearDown() override {
    server_.reset();
    pipeline_->Stop(/*drain=*/true);
  }

  // Sends `request`, waits until it waits for its batch, closes the
  // connection; true when the call is then answered within 5 s.
  bool AbandonWhileQueued(const std::string& request) {
    const int fd = SendRequest(server_->port(), request);
    if (fd < 0) return false;
    for (int i = 0; i < 2500 && pipeline_->NumBatchQueued() < 1; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    EXPECT_EQ(pipeline_->NumBatchQueued(), 1u);
    close(fd);
    for (int i = 0; i < 2500 && service_.serving()->answered() < 1; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    return service_.serving()->answered() == 1;
  }

  testing::FakeBackend backend_;
  testing::FakePreprocessor preprocessor_;
  Metrics metrics_;
  std::unique_ptr<InferencePipeline> pipeline_;
  VitServiceImpl service_{ServiceOptions(), &metrics_};
  HttpApiHandler handler_{&service_};
  std::unique_ptr<http::HttpServer> server_;
};

TEST_F(HttpCancellationTest, V1ClassifyOfAClientThatLeftIsDroppedNotComputed) {
  ASSERT_TRUE(AbandonWhileQueued(Post("/v1/classify", "class:1")));
  EXPECT_EQ(pipeline_->NumBatchQueued(), 0u);
  EXPECT_TRUE(backend_.batch_sizes().empty());
  EXPECT_EQ(service_.serving()->in_flight(), 0);
}

TEST_F(HttpCancellationTest, OipInferOfAClientThatLeftIsDroppedNotComputed) {
  const std::string body =
      R"({"inputs":[{"name":"image","datatype":"BYTES","shape":[1,1],"data":["class:2"]}]})";
  ASSERT_TRUE(AbandonWhileQueued(Post("/v2/models/fake-model/infer", body)));
  EXPECT_EQ(pipeline_->NumBatchQueued(), 0u);
  EXPECT_TRUE(backend_.batch_sizes().empty());
  EXPECT_EQ(service_.serving()->in_flight(), 0);
}

}  // namespace
}  // namespace vit::server::http_api
