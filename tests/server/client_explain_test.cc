// vit-client explain against the real vit-server binary (a fixture model and
// the embedded default model): one NAME.explain.png per image at the image's
// own size, the top-1 and the path printed; clear errors for bad flags, a
// bad image and the OIP protocols.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include <opencv2/imgcodecs.hpp>

#include "tests/server/server_process.h"
#include "tests/support/files.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_folder.h"
#include "tests/support/test_paths.h"

namespace vit::client {
namespace {

namespace fs = std::filesystem;
using server::testing::ServerProcess;
using vit::testing::ProcessResult;

ProcessResult Client(const std::vector<std::string>& args) {
  vit::testing::RunOptions options;
  options.timeout = std::chrono::seconds(120);
  return vit::testing::RunProcess(VIT_CLIENT_BINARY, args, options);
}

class ClientExplainTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = new ServerProcess;
    const std::string model = vit::testing::FixturesDir() + "/timm_vit_tiny_patch16_224";
    ASSERT_TRUE(
        server_->StartServing(VIT_SERVER_BINARY, {"--model", model, "--max-batch-size", "4"}))
        << server_->output();
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  static ServerProcess* server_;
};
ServerProcess* ClientExplainTest::server_ = nullptr;

TEST_F(ClientExplainTest, WritesOneOverlayPerImageAtItsOwnSize) {
  vit::testing::TempFolder out("client-explain");
  const std::string images = vit::testing::TestImagesDir();
  const std::vector<std::string> files = {images + "/baboon.jpg", images + "/astronaut.png"};
  const std::string dir = out / "overlays";  // created by the client
  std::vector<std::string> args = {"--server", server_->address(), "explain", "--out",
                                   dir,        "--head-fusion",    "max",     "--discard-ratio",
                                   "0.5"};
  args.insert(args.end(), files.begin(), files.end());
  const ProcessResult run = Client(args);
  ASSERT_EQ(run.exit_code, 0) << run.output;
  for (const std::string& file : files) {
    const std::string written = dir + "/" + fs::path(file).stem().string() + ".explain.png";
    EXPECT_NE(run.output.find("-> " + written), std::string::npos) << run.output;
    const cv::Mat overlay = cv::imread(written, cv::IMREAD_UNCHANGED);
    const cv::Mat original = cv::imread(file, cv::IMREAD_COLOR);
    ASSERT_FALSE(overlay.empty()) << written << " is not a PNG";
    EXPECT_EQ(overlay.size(), original.size()) << file;
  }
  EXPECT_NE(run.output.find("p="), std::string::npos) << "top-1 printed: " << run.output;
}

TEST_F(ClientExplainTest, BadInputsAreClearErrors) {
  vit::testing::TempFolder out("client-explain-bad");
  const std::string good = vit::testing::TestImagesDir() + "/baboon.jpg";
  const std::string bad = vit::testing::TestImagesDir() + "/truncated.jpg";
  ProcessResult run =
      Client({"--server", server_->address(), "explain", "--out", out.path(), good, bad});
  EXPECT_EQ(run.exit_code, 2) << run.output;
  EXPECT_NE(run.output.find("truncated.jpg: error 3"), std::string::npos) << run.output;
  EXPECT_TRUE(fs::exists(out / "baboon.explain.png"));
  run = Client({"--server", server_->address(), "explain", "--out", out.path(), "--method",
                "gradcam", good});
  EXPECT_EQ(run.exit_code, 1) << run.output;
  EXPECT_NE(run.output.find("--method"), std::string::npos) << run.output;
  run = Client({"--server", server_->address(), "explain", good});
  EXPECT_EQ(run.exit_code, 1) << "--out is required: " << run.output;
  run = Client({"--server", server_->address(), "--protocol", "oip-grpc", "explain", "--out",
                out.path(), good});
  EXPECT_EQ(run.exit_code, 1) << run.output;
  EXPECT_NE(run.output.find("--protocol vit"), std::string::npos) << run.output;
}

}  // namespace
}  // namespace vit::client
