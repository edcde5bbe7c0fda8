// vit-client's connection flags (--server, --timeout-ms, --token-file, ...)
// before or after the subcommand, against the real vit-server binary
// (embedded default model) on 127.0.0.1 with a bearer token.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>
#include <string>
#include <vector>

#include "tests/server/server_process.h"
#include "tests/support/files.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_folder.h"
#include "tests/support/test_paths.h"

namespace vit::client {
namespace {

using vit::testing::ProcessResult;
using TempDir = vit::testing::TempFolder;
using server::testing::ServerProcess;

constexpr const char* kToken = "vit-client-test-token-7";

ProcessResult Client(const std::vector<std::string>& args) {
  vit::testing::RunOptions options;
  options.timeout = std::chrono::seconds(120);
  return vit::testing::RunProcess(VIT_CLIENT_BINARY, args, options);
}

class ClientFlagsTest : public ::testing::Test {
 protected:
  // One server with a token for every test; failures are reported by SetUp.
  static void SetUpTestSuite() {
    unsetenv("VIT_AUTH_TOKEN");  // the token comes from --token-file only
    unsetenv("VIT_SERVER");
    dir_ = new TempDir();
    server_ = new ServerProcess();
    vit::testing::WriteFile(*dir_ / "token", std::string(kToken) + "\n");
    if (!server_->StartServing(VIT_SERVER_BINARY, {"--auth-token-file", *dir_ / "token"}))
      setup_error_ = new std::string("vit-server did not start:\n" + server_->output());
  }
  static void TearDownTestSuite() {
    delete server_;
    delete dir_;
    delete setup_error_;
    setup_error_ = nullptr;
  }
  void SetUp() override { ASSERT_EQ(setup_error_, nullptr) << *setup_error_; }

  static std::string Address() { return server_->address(); }
  static std::string TokenFile() { return *dir_ / "token"; }
  static std::string Image() { return vit::testing::TestImagesDir() + "/coffee.png"; }

  static TempDir* dir_;
  static ServerProcess* server_;
  static std::string* setup_error_;
};

TempDir* ClientFlagsTest::dir_ = nullptr;
ServerProcess* ClientFlagsTest::server_ = nullptr;
std::string* ClientFlagsTest::setup_error_ = nullptr;

TEST_F(ClientFlagsTest, HealthTakesServerBeforeOrAfterTheSubcommand) {
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"--server", Address(), "health"},
        std::vector<std::string>{"health", "--server", Address()},
        std::vector<std::string>{"health", "--timeout-ms", "5000", "--server", Address()}}) {
    const ProcessResult run = Client(args);
    EXPECT_EQ(run.exit_code, 0) << ::testing::PrintToString(args) << "\n" << run.output;
    EXPECT_NE(run.output.find("SERVING"), std::string::npos) << run.output;
  }
}

TEST_F(ClientFlagsTest, ClassifyTakesServerAndTokenFileAnywhere) {
  const std::vector<std::vector<std::string>> cases = {
      {"--server", Address(), "--token-file", TokenFile(), "classify", Image()},
      {"classify", "--server", Address(), "--token-file", TokenFile(), Image()},
      {"classify", Image(), "--top-k", "2", "--server", Address(), "--token-file", TokenFile()},
      {"--server", Address(), "classify", "--token-file", TokenFile(), Image()},
  };
  for (const std::vector<std::string>& args : cases) {
    const ProcessResult run = Client(args);
    EXPECT_EQ(run.exit_code, 0) << ::testing::PrintToString(args) << "\n" << run.output;
    EXPECT_NE(run.output.find("coffee.png\n  1. "), std::string::npos) << run.output;
  }
}

TEST_F(ClientFlagsTest, ClassifyWithoutTheTokenIsRefusedNotAUsageError) {
  // Exit 2 (the server said UNAUTHENTICATED), not 1: the flags were taken.
  const ProcessResult run = Client({"classify", "--server", Address(), Image()});
  EXPECT_EQ(run.exit_code, 2) << run.output;
  EXPECT_NE(run.output.find("authorization"), std::string::npos) << run.output;
}

TEST_F(ClientFlagsTest, InfoAndLoadTakeConnectionFlagsAfterTheSubcommand) {
  ProcessResult run =
      Client({"info", "--json", "--server", Address(), "--token-file", TokenFile()});
  EXPECT_EQ(run.exit_code, 0) << run.output;
  EXPECT_NE(run.output.find("\"num_classes\""), std::string::npos) << run.output;
  run = Client({"load", Image(), "--count", "4", "--concurrency", "2", "--server", Address(),
                "--token-file", TokenFile()});
  EXPECT_EQ(run.exit_code, 0) << run.output;
  EXPECT_NE(run.output.find("ok         4 "), std::string::npos) << run.output;
}

TEST(ClientHelpTest, SubcommandHelpPointsToTheConnectionFlags) {
  const ProcessResult top = Client({"--help"});
  EXPECT_EQ(top.exit_code, 0);
  for (const char* text : {"Connection", "--server", "VIT_SERVER", "--token-file", "--tls-ca"})
    EXPECT_NE(top.output.find(text), std::string::npos) << text << "\n" << top.output;
  const ProcessResult classify = Client({"classify", "--help"});
  EXPECT_EQ(classify.exit_code, 0);
  EXPECT_NE(classify.output.find("may also come after the subcommand"), std::string::npos)
      << classify.output;
}

}  // namespace
}  // namespace vit::client
