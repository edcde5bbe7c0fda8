// The real vit-server binary over a model repository in a temp folder (the
// embedded Fashion-MNIST model and a fixture ViT, by symlink): two models
// served at once, unknown names NOT_FOUND with the served list, and a reload
// (SIGHUP after a new version folder appears) while 8 clients send requests
// continuously: no request fails, every answer comes from version 1 or 2.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "inference/grpc_service.grpc.pb.h"
#include "tests/server/server_process.h"
#include "tests/support/synthetic_jpeg.h"
#include "tests/support/temp_folder.h"
#include "tests/support/test_paths.h"
#include "vit/v1/vit.grpc.pb.h"

namespace vit::server {
namespace {

namespace fs = std::filesystem;
using testing::ServerProcess;

std::string FashionDir() { return vit::testing::SourceDir() + "/models/vit-fashion-mnist"; }
std::string TinyDir() { return vit::testing::FixturesDir() + "/timm_vit_tiny_patch16_224"; }

void Link(const std::string& target, const std::string& link) {
  fs::create_directories(fs::path(link).parent_path());
  fs::create_directory_symlink(target, link);
}

std::string Image(uint64_t seed) {
  std::vector<uint8_t> jpeg = vit::testing::SyntheticJpeg(64, 64, seed);
  return std::string(jpeg.begin(), jpeg.end());
}

grpc::Status Classify(v1::VitService::Stub* stub, const std::string& model,
                      const std::string& image, v1::ClassifyResponse* response) {
  v1::ClassifyRequest request;
  request.set_image(image);
  request.set_top_k(3);
  request.set_model(model);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
  return stub->Classify(&context, request, response);
}

std::vector<std::string> Args(const std::string& repository, std::vector<std::string> more) {
  std::vector<std::string> args = {"--model-repository", repository, "--dtype", "fp32",
                                   "--threads",          "1"};
  args.insert(args.end(), more.begin(), more.end());
  return args;
}

TEST(ModelRepositoryTest, TwoModelsServedAtOnce) {
  vit::testing::TempFolder repo("model-repository");
  Link(FashionDir(), repo / "fashion");
  Link(TinyDir(), repo / "tiny/1");
  ServerProcess server;
  ASSERT_TRUE(
      server.StartServing(VIT_SERVER_BINARY, Args(repo.path(), {"--default-model", "fashion"})))
      << server.output();
  auto stub = v1::VitService::NewStub(
      grpc::CreateChannel(server.address(), grpc::InsecureChannelCredentials()));
  const std::string image = Image(7);
  v1::ClassifyResponse fashion, tiny, by_default;
  ASSERT_TRUE(Classify(stub.get(), "fashion", image, &fashion).ok());
  ASSERT_TRUE(Classify(stub.get(), "tiny", image, &tiny).ok());
  ASSERT_TRUE(Classify(stub.get(), "", image, &by_default).ok());
  EXPECT_EQ(fashion.model_id(), "fashion");
  EXPECT_EQ(fashion.model_version(), "1");  // a model folder without versions
  EXPECT_EQ(tiny.model_id(), "tiny");       // the repository's name, not the folder "1"
  EXPECT_EQ(tiny.model_version(), "1");
  EXPECT_EQ(by_default.model_id(), "fashion");
  ASSERT_EQ(fashion.predictions_size(), 3);
  for (const auto& p : fashion.predictions()) EXPECT_LT(p.class_index(), 10);
  v1::ClassifyResponse missing;
  grpc::Status status = Classify(stub.get(), "nope", image, &missing);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_NE(status.error_message().find("'nope'"), std::string::npos) << status.error_message();
  EXPECT_NE(status.error_message().find("fashion, tiny"), std::string::npos)
      << status.error_message();

  // OIP ModelStatistics without a name: every served model, each its own counts.
  auto oip = inference::GRPCInferenceService::NewStub(
      grpc::CreateChannel(server.address(), grpc::InsecureChannelCredentials()));
  inference::ModelStatisticsRequest stats_request;
  inference::ModelStatisticsResponse stats;
  grpc::ClientContext stats_context;
  ASSERT_TRUE(oip->ModelStatistics(&stats_context, stats_request, &stats).ok());
  ASSERT_EQ(stats.model_stats_size(), 2) << stats.DebugString();
  EXPECT_EQ(stats.model_stats(0).name(), "fashion");
  EXPECT_EQ(stats.model_stats(0).inference_count(), 2u);  // by name and by default
  EXPECT_EQ(stats.model_stats(1).name(), "tiny");
  EXPECT_EQ(stats.model_stats(1).version(), "1");
  EXPECT_EQ(stats.model_stats(1).inference_count(), 1u);
  server.Signal(SIGTERM);
  EXPECT_EQ(server.Wait(), 0);
}

TEST(ModelRepositoryTest, ReloadUnderLoadFailsNoRequest) {
  vit::testing::TempFolder repo("model-repository");
  Link(FashionDir(), repo / "m/1");
  ServerProcess server;
  ASSERT_TRUE(server.StartServing(VIT_SERVER_BINARY, Args(repo.path(), {}))) << server.output();
  std::atomic<bool> stop{false};
  std::atomic<int> ok{0};
  std::mutex mu;
  std::vector<std::string> failures;  // guarded by mu
  std::set<std::string> versions;     // guarded by mu
  std::vector<std::thread> clients;
  for (int t = 0; t < 8; ++t) {
    clients.emplace_back([&, t] {
      auto stub = v1::VitService::NewStub(
          grpc::CreateChannel(server.address(), grpc::InsecureChannelCredentials()));
      const std::string image = Image(t);
      while (!stop.load()) {
        v1::ClassifyResponse response;
        grpc::Status status = Classify(stub.get(), "m", image, &response);
        std::lock_guard<std::mutex> lock(mu);
        if (status.ok()) {
          ++ok;
          versions.insert(response.model_version());
          if (response.model_id() != "m") failures.push_back("model_id " + response.model_id());
        } else {
          failures.push_back(status.error_message());
        }
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::seconds(1));
  Link(FashionDir(), repo / "m/2");
  server.Signal(SIGHUP);
  EXPECT_TRUE(server.WaitForOutput("model m version 2: serving", std::chrono::seconds(60)))
      << server.output();
  EXPECT_TRUE(server.WaitForOutput("model m version 1: freed", std::chrono::seconds(60)))
      << server.output();
  std::this_thread::sleep_for(std::chrono::seconds(1));
  stop.store(true);
  for (auto& client : clients) client.join();
  std::lock_guard<std::mutex> lock(mu);
  EXPECT_TRUE(failures.empty()) << failures.size() << " failed, first: " << failures.front();
  EXPECT_GT(ok.load(), 0);
  EXPECT_EQ(versions, (std::set<std::string>{"1", "2"}));
  server.Signal(SIGTERM);
  EXPECT_EQ(server.Wait(), 0);
}

// A new version with corrupt weights appears: the reload fails, the log says
// why, and version 1 keeps serving.
TEST(ModelRepositoryTest, CorruptNewVersionKeepsTheOldOneServing) {
  vit::testing::TempFolder repo("model-repository");
  Link(FashionDir(), repo / "m/1");
  ServerProcess server;
  ASSERT_TRUE(server.StartServing(VIT_SERVER_BINARY, Args(repo.path(), {}))) << server.output();
  auto stub = v1::VitService::NewStub(
      grpc::CreateChannel(server.address(), grpc::InsecureChannelCredentials()));
  fs::create_directories(repo / "m/2");
  fs::copy_file(FashionDir() + "/config.json", repo / "m/2/config.json");
  {
    std::ofstream weights(repo / "m/2/model.safetensors", std::ios::binary);
    weights << "not a safetensors file";
  }
  server.Signal(SIGHUP);
  ASSERT_TRUE(server.WaitForOutput(
      "model m version 2: load failed, the served version keeps serving", std::chrono::seconds(60)))
      << server.output();
  v1::ClassifyResponse response;
  ASSERT_TRUE(Classify(stub.get(), "m", Image(2), &response).ok());
  EXPECT_EQ(response.model_id(), "m");
  EXPECT_EQ(response.model_version(), "1");
  server.Signal(SIGTERM);
  EXPECT_EQ(server.Wait(), 0);
}

}  // namespace
}  // namespace vit::server
