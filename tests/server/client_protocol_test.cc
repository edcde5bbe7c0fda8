// vit-client --protocol vit|oip-grpc|oip-http against the real vit-server
// binary (embedded default model, a bearer token): the same image gives the
// same classes and probabilities through every front door; health, info and
// load work through each; the flag's parsing and help.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "tests/server/server_process.h"
#include "tests/support/files.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_folder.h"
#include "tests/support/test_paths.h"

namespace vit::client {
namespace {

using server::testing::ServerProcess;
using vit::testing::ProcessResult;

constexpr const char* kToken = "vit-client-protocol-token-3";

ProcessResult Client(const std::vector<std::string>& args) {
  vit::testing::RunOptions options;
  options.timeout = std::chrono::seconds(120);
  return vit::testing::RunProcess(VIT_CLIENT_BINARY, args, options);
}

// The JSON object of each line of `output` that holds one.
std::vector<nlohmann::json> JsonLines(const std::string& output) {
  std::vector<nlohmann::json> lines;
  std::istringstream in(output);
  std::string line;
  while (std::getline(in, line)) {
    nlohmann::json j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (j.is_object()) lines.push_back(std::move(j));
  }
  return lines;
}

TEST(ClientProtocolFlagTest, HelpNamesTheProtocolsAndTheModelFlag) {
  const ProcessResult help = Client({"--help"});
  EXPECT_EQ(help.exit_code, 0);
  for (const char* text : {"--protocol", "vit|oip-grpc|oip-http", "VIT_CLIENT_PROTOCOL",
                           "localhost:8000", "--model", "statistics extension"})
    EXPECT_NE(help.output.find(text), std::string::npos) << text << "\n" << help.output;
  const ProcessResult load = Client({"load", "--help"});
  EXPECT_NE(load.output.find("vit protocol only"), std::string::npos) << load.output;
  EXPECT_NE(load.output.find("keep-alive connection per caller"), std::string::npos) << load.output;
}

TEST(ClientProtocolFlagTest, AnUnknownProtocolIsAUsageError) {
  ProcessResult run = Client({"--protocol", "grpc", "health"});
  EXPECT_EQ(run.exit_code, 1) << run.output;
  EXPECT_NE(run.output.find("vit,oip-grpc,oip-http"), std::string::npos) << run.output;
  setenv("VIT_CLIENT_PROTOCOL", "kserve", 1);
  run = Client({"health"});
  unsetenv("VIT_CLIENT_PROTOCOL");
  EXPECT_EQ(run.exit_code, 1) << run.output;
}

TEST(ClientProtocolFlagTest, MixIsVitOnly) {
  const std::string image = vit::testing::TestImagesDir() + "/coffee.png";
  const ProcessResult run = Client(
      {"load", image, "--mix", "valid=1", "--protocol", "oip-grpc", "--server", "127.0.0.1:1"});
  EXPECT_EQ(run.exit_code, 1) << run.output;
  EXPECT_NE(run.output.find("--mix is vit.v1 only"), std::string::npos) << run.output;
}

class ClientProtocolTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    unsetenv("VIT_AUTH_TOKEN");
    unsetenv("VIT_SERVER");
    unsetenv("VIT_CLIENT_PROTOCOL");
    dir_ = new vit::testing::TempFolder();
    server_ = new ServerProcess();
    vit::testing::WriteFile(*dir_ / "token", std::string(kToken) + "\n");
    if (!server_->StartServing(VIT_SERVER_BINARY, {"--auth-token-file", *dir_ / "token"})) {
      setup_error_ = new std::string("vit-server did not start:\n" + server_->output());
    } else if (server_->http_port() <= 0) {
      setup_error_ = new std::string("vit-server has no HTTP port:\n" + server_->output());
    }
  }
  static void TearDownTestSuite() {
    delete server_;
    delete dir_;
    delete setup_error_;
    setup_error_ = nullptr;
  }
  void SetUp() override { ASSERT_EQ(setup_error_, nullptr) << *setup_error_; }

  static std::vector<std::string> Protocols() { return {"vit", "oip-grpc", "oip-http"}; }
  // --protocol P --server ADDRESS --token-file TOKEN, then `args`.
  static ProcessResult Run(const std::string& protocol, std::vector<std::string> args,
                           bool token = true) {
    const std::string address = protocol == "oip-http"
                                    ? "127.0.0.1:" + std::to_string(server_->http_port())
                                    : server_->address();
    std::vector<std::string> all = {"--protocol", protocol, "--server", address};
    if (token) all.insert(all.end(), {"--token-file", *dir_ / "token"});
    all.insert(all.end(), args.begin(), args.end());
    return Client(all);
  }
  static std::string Image(const char* name) { return vit::testing::TestImagesDir() + "/" + name; }

  static vit::testing::TempFolder* dir_;
  static ServerProcess* server_;
  static std::string* setup_error_;
};

vit::testing::TempFolder* ClientProtocolTest::dir_ = nullptr;
ServerProcess* ClientProtocolTest::server_ = nullptr;
std::string* ClientProtocolTest::setup_error_ = nullptr;

TEST_F(ClientProtocolTest, EveryProtocolGivesTheSameClassesAndProbabilities) {
  const std::vector<std::string> images = {Image("coffee.png"), Image("rocket.jpg")};
  std::vector<nlohmann::json> reference;
  for (const std::string& protocol : Protocols()) {
    std::vector<std::string> args = {"classify", "--json", "--top-k", "3"};
    args.insert(args.end(), images.begin(), images.end());
    const ProcessResult run = Run(protocol, args);
    ASSERT_EQ(run.exit_code, 0) << protocol << "\n" << run.output;
    const std::vector<nlohmann::json> lines = JsonLines(run.output);
    ASSERT_EQ(lines.size(), images.size()) << protocol << "\n" << run.output;
    if (reference.empty()) {
      reference = lines;
      continue;
    }
    for (size_t i = 0; i < lines.size(); ++i) {
      const nlohmann::json& want = reference[i]["predictions"];
      const nlohmann::json& got = lines[i]["predictions"];
      ASSERT_EQ(got.size(), 3u) << protocol << " " << lines[i].dump();
      EXPECT_EQ(lines[i]["model_id"], reference[i]["model_id"]) << protocol;
      for (size_t k = 0; k < got.size(); ++k) {
        EXPECT_EQ(got[k]["class_index"], want[k]["class_index"]) << protocol << " " << images[i];
        EXPECT_EQ(got[k]["label"], want[k]["label"]) << protocol << " " << images[i];
        // OIP's classification strings carry 6 decimals (Triton's std::to_string).
        EXPECT_NEAR(got[k]["probability"].get<double>(), want[k]["probability"].get<double>(), 1e-6)
            << protocol << " " << images[i];
      }
    }
  }
}

TEST_F(ClientProtocolTest, OipFindsTheModelNameOrTakesModel) {
  const ProcessResult info = Run("vit", {"info", "--json"});
  ASSERT_EQ(info.exit_code, 0) << info.output;
  const std::string id = nlohmann::json::parse(info.output)["id"];
  for (const std::string& protocol : Protocols()) {
    if (protocol == "vit") continue;
    ProcessResult run = Run(protocol, {"classify", "--model", id, Image("coffee.png")});
    EXPECT_EQ(run.exit_code, 0) << protocol << "\n" << run.output;
    run = Run(protocol, {"classify", "--model", "no-such-model", Image("coffee.png")});
    EXPECT_EQ(run.exit_code, 2) << protocol << "\n" << run.output;
    EXPECT_NE(run.output.find("no-such-model"), std::string::npos) << protocol << run.output;
    run = Run(protocol, {"info", "--json"});
    ASSERT_EQ(run.exit_code, 0) << protocol << "\n" << run.output;
    const nlohmann::json described = nlohmann::json::parse(run.output);
    EXPECT_EQ(described["metadata"]["name"], id) << protocol;
    EXPECT_TRUE(described.contains("server") && described.contains("config")) << run.output;
    run = Run(protocol, {"info"});
    EXPECT_NE(run.output.find("input        image BYTES"), std::string::npos) << run.output;
  }
}

TEST_F(ClientProtocolTest, HealthThroughEveryProtocol) {
  for (const std::string& protocol : Protocols()) {
    // Health needs no token.
    ProcessResult run = Run(protocol, {"health"}, /*token=*/false);
    EXPECT_EQ(run.exit_code, 0) << protocol << "\n" << run.output;
    EXPECT_EQ(run.output.rfind("SERVING", 0), 0u) << protocol << "\n" << run.output;
    if (protocol == "vit") continue;
    run = Run(protocol, {"health", "--model", "no-such-model"}, /*token=*/false);
    EXPECT_EQ(run.exit_code, 2) << protocol << "\n" << run.output;
    EXPECT_NE(run.output.find("model no-such-model ready false"), std::string::npos) << run.output;
  }
}

TEST_F(ClientProtocolTest, LoadThroughEveryProtocol) {
  for (const std::string& protocol : Protocols()) {
    const ProcessResult run = Run(
        protocol, {"load", Image("coffee.png"), "--count", "6", "--concurrency", "3", "--json"});
    ASSERT_EQ(run.exit_code, 0) << protocol << "\n" << run.output;
    const nlohmann::json report = nlohmann::json::parse(run.output, nullptr, false);
    ASSERT_TRUE(report.is_object()) << run.output;
    EXPECT_EQ(report["protocol"], protocol);
    EXPECT_EQ(report["ok"], 6) << run.output;
    EXPECT_GT(report["latency_ms"]["p50"].get<double>(), 0.0) << run.output;
  }
}

TEST_F(ClientProtocolTest, WithoutTheTokenOipIsRefused) {
  for (const std::string& protocol : Protocols()) {
    if (protocol == "vit") continue;  // client_flags_test covers vit.v1
    const ProcessResult run =
        Run(protocol, {"classify", "--model", "any", Image("coffee.png")}, /*token=*/false);
    EXPECT_EQ(run.exit_code, 2) << protocol << "\n" << run.output;
    EXPECT_NE(run.output.find("error 16"), std::string::npos) << protocol << "\n" << run.output;
  }
}

}  // namespace
}  // namespace vit::client
