// Model control against the real vit-server binary (--model-control-mode
// explicit --allow-model-control) over the Open Inference Protocol's
// repository calls: a third model loaded at run time, a model unloaded while
// clients use it (its answered requests succeed or are NOT_FOUND, nothing
// else), two concurrent loads of one model that load it once, and a load over
// --max-model-memory-mb refused with the numbers.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <mutex>
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

void Link(const std::string& target, const fs::path& link) {
  fs::create_directories(link.parent_path());
  fs::create_directory_symlink(target, link);
}

std::string Image(uint64_t seed) {
  std::vector<uint8_t> jpeg = vit::testing::SyntheticJpeg(64, 64, seed);
  return std::string(jpeg.begin(), jpeg.end());
}

// Occurrences of `text` in `log`.
int Count(const std::string& log, const std::string& text) {
  int count = 0;
  for (size_t at = log.find(text); at != std::string::npos; at = log.find(text, at + 1)) ++count;
  return count;
}

class ModelControlProcessTest : public ::testing::Test {
 protected:
  // A repository of fashion, tiny (version folder 1) and extra (fashion's
  // weights); `more` flags after explicit mode with control allowed.
  void Start(std::vector<std::string> more) {
    Link(FashionDir(), repo_ / "fashion");
    Link(TinyDir(), repo_ / "tiny/1");
    Link(FashionDir(), repo_ / "extra");
    std::vector<std::string> args = {"--model-repository",
                                     repo_.path(),
                                     "--dtype",
                                     "fp32",
                                     "--threads",
                                     "1",
                                     "--model-control-mode",
                                     "explicit",
                                     "--allow-model-control",
                                     "--load-model",
                                     "fashion",
                                     "--default-model",
                                     "fashion"};
    args.insert(args.end(), more.begin(), more.end());
    ASSERT_TRUE(server_.StartServing(VIT_SERVER_BINARY, args)) << server_.output();
    started_ = true;
    auto channel = grpc::CreateChannel(server_.address(), grpc::InsecureChannelCredentials());
    vit_ = v1::VitService::NewStub(channel);
    oip_ = inference::GRPCInferenceService::NewStub(channel);
  }
  void TearDown() override {
    if (!started_) return;
    server_.Signal(SIGTERM);
    EXPECT_EQ(server_.Wait(), 0);
  }

  static std::unique_ptr<grpc::ClientContext> Context() {
    auto context = std::make_unique<grpc::ClientContext>();
    context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
    return context;
  }
  grpc::Status Classify(const std::string& model, v1::ClassifyResponse* response) {
    v1::ClassifyRequest request;
    request.set_image(Image(3));
    request.set_model(model);
    return vit_->Classify(Context().get(), request, response);
  }
  grpc::Status Load(const std::string& name) {
    inference::RepositoryModelLoadRequest request;
    request.set_model_name(name);
    inference::RepositoryModelLoadResponse response;
    return oip_->RepositoryModelLoad(Context().get(), request, &response);
  }
  grpc::Status Unload(const std::string& name) {
    inference::RepositoryModelUnloadRequest request;
    request.set_model_name(name);
    inference::RepositoryModelUnloadResponse response;
    return oip_->RepositoryModelUnload(Context().get(), request, &response);
  }

  vit::testing::TempFolder repo_{"model-control"};
  ServerProcess server_;
  bool started_ = false;
  std::unique_ptr<v1::VitService::Stub> vit_;
  std::unique_ptr<inference::GRPCInferenceService::Stub> oip_;
};

TEST_F(ModelControlProcessTest, LoadsAThirdModelAtRunTime) {
  ASSERT_NO_FATAL_FAILURE(Start({"--load-model", "tiny"}));
  v1::ClassifyResponse response;
  EXPECT_EQ(Classify("extra", &response).error_code(), grpc::StatusCode::NOT_FOUND);
  const grpc::Status loaded = Load("extra");
  ASSERT_TRUE(loaded.ok()) << loaded.error_message() << "\n" << server_.output();
  ASSERT_TRUE(Classify("extra", &response).ok());
  EXPECT_EQ(response.model_id(), "extra");
  EXPECT_EQ(response.model_version(), "1");
  for (const char* model : {"fashion", "tiny"}) EXPECT_TRUE(Classify(model, &response).ok());
}

// Eight clients classify with tiny while it is unloaded: every answer is OK
// (computed on the old version) or NOT_FOUND (after), never another error.
TEST_F(ModelControlProcessTest, UnloadLetsRequestsFinishThenAnswersNotFound) {
  ASSERT_NO_FATAL_FAILURE(Start({"--load-model", "tiny"}));
  std::atomic<int> ok{0};
  std::atomic<bool> unloaded{false};
  std::mutex mu;
  std::vector<std::string> unexpected;  // guarded by mu
  std::vector<std::thread> clients;
  for (int t = 0; t < 8; ++t) {
    clients.emplace_back([&] {
      for (;;) {
        v1::ClassifyResponse response;
        const grpc::Status status = Classify("tiny", &response);
        if (status.ok()) {
          ++ok;
          continue;
        }
        if (status.error_code() != grpc::StatusCode::NOT_FOUND) {
          std::lock_guard<std::mutex> lock(mu);
          unexpected.push_back(std::to_string(status.error_code()) + " " + status.error_message());
        }
        if (unloaded.load()) return;
      }
    });
  }
  for (int i = 0; i < 500 && ok.load() < 16; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  const grpc::Status status = Unload("tiny");
  unloaded.store(true);
  for (auto& client : clients) client.join();
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_GE(ok.load(), 16);
  std::lock_guard<std::mutex> lock(mu);
  EXPECT_TRUE(unexpected.empty()) << unexpected.size() << ", first: " << unexpected.front();
  v1::ClassifyResponse response;
  const grpc::Status after = Classify("tiny", &response);
  EXPECT_EQ(after.error_code(), grpc::StatusCode::NOT_FOUND) << after.error_message();
  EXPECT_TRUE(server_.WaitForOutput("model tiny version 1: freed", std::chrono::seconds(30)))
      << server_.output();
  EXPECT_TRUE(Classify("fashion", &response).ok());
}

TEST_F(ModelControlProcessTest, TwoConcurrentLoadsOfOneModelLoadItOnce) {
  ASSERT_NO_FATAL_FAILURE(Start({}));
  grpc::Status first, second;
  std::thread other([&] { second = Load("tiny"); });
  first = Load("tiny");
  other.join();
  EXPECT_TRUE(first.ok()) << first.error_message();
  EXPECT_TRUE(second.ok()) << second.error_message();
  EXPECT_EQ(Count(server_.output(), "model tiny version 1: loading from"), 1) << server_.output();
  v1::ClassifyResponse response;
  EXPECT_TRUE(Classify("tiny", &response).ok());
}

// fashion (1.8 MB of weights) fits a 4 MiB budget; tiny's 4.3 MB more do not.
TEST_F(ModelControlProcessTest, LoadOverTheMemoryBudgetIsRefusedWithTheNumbers) {
  ASSERT_NO_FATAL_FAILURE(Start({"--max-model-memory-mb", "4"}));
  const grpc::Status refused = Load("tiny");
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << refused.error_message();
  const std::string& message = refused.error_message();
  EXPECT_NE(message.find("'tiny' version 1 needs an estimated "), std::string::npos) << message;
  EXPECT_NE(message.find(" MiB of the 4 MiB budget (--max-model-memory-mb) are in use"),
            std::string::npos)
      << message;
  v1::ClassifyResponse response;
  EXPECT_EQ(Classify("tiny", &response).error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_TRUE(Classify("fashion", &response).ok());
}

}  // namespace
}  // namespace vit::server
