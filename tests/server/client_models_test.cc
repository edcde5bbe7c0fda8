// vit-client models list|load|unload|reload against the server's front doors
// in process over a FakeModelControl (ControlTestServer), through
// --protocol vit, oip-grpc and oip-http: the table and the JSON, what
// reaches the repository, the server's message and exit code 2 on errors,
// the bearer token, flags after the subcommand, and usage errors.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/server/control_test_server.h"
#include "tests/support/subprocess.h"

namespace vit::client {
namespace {

using server::testing::ControlTestServer;
using vit::testing::ProcessResult;

constexpr const char* kToken = "client-models-token";

class ClientModelsTest : public ::testing::TestWithParam<const char*> {
 protected:
  static void SetUpTestSuite() {
    unsetenv("VIT_AUTH_TOKEN");
    unsetenv("VIT_SERVER");
    unsetenv("VIT_CLIENT_PROTOCOL");
  }
  void SetUp() override {
    server::ServiceOptions options;
    options.auth_token = kToken;
    server_ = std::make_unique<ControlTestServer>(options);
    ASSERT_TRUE(server_->ok());
  }
  std::string protocol() const { return GetParam(); }
  std::string address() const {
    return protocol() == "oip-http" ? server_->http_address() : server_->grpc_address();
  }
  // vit-client ARGS... --protocol P --server S (after the subcommand, or
  // before it with `flags_first`), with the token in VIT_AUTH_TOKEN unless
  // `token` is false.
  ProcessResult Client(std::vector<std::string> args, bool token = true, bool flags_first = false) {
    const std::vector<std::string> flags = {"--protocol", protocol(), "--server", address()};
    args.insert(flags_first ? args.begin() : args.end(), flags.begin(), flags.end());
    vit::testing::RunOptions options;
    options.timeout = std::chrono::seconds(60);
    options.start.separate_stderr = true;
    if (token) options.start.environment.push_back(std::string("VIT_AUTH_TOKEN=") + kToken);
    return vit::testing::RunProcess(VIT_CLIENT_BINARY, args, options);
  }

  std::unique_ptr<ControlTestServer> server_;
};

TEST_P(ClientModelsTest, ListPrintsATableOfEveryVersion) {
  const ProcessResult run = Client({"models", "list"});
  ASSERT_EQ(run.exit_code, 0) << run.output << run.errors;
  EXPECT_NE(run.output.find("NAME"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("REASON"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("unloaded"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("beta"), std::string::npos) << run.output;
  // vit.v1 says which is the default; the OIP index does not.
  EXPECT_NE(run.output.find(protocol() == "vit" ? "model" : "-"), std::string::npos) << run.output;
  EXPECT_EQ(server_->control().calls(), (std::vector<std::string>{"index:all"}));
}

TEST_P(ClientModelsTest, ConnectionFlagsAlsoGoBeforeTheSubcommand) {
  const ProcessResult run = Client({"models", "load", "beta", "--json"}, /*token=*/true,
                                   /*flags_first=*/true);
  EXPECT_EQ(run.exit_code, 0) << run.output << run.errors;
  EXPECT_EQ(server_->control().calls(), (std::vector<std::string>{"load:beta"}));
}

TEST_P(ClientModelsTest, ListJsonHasOneRowPerVersion) {
  const ProcessResult run = Client({"models", "list", "--json", "--ready"});
  ASSERT_EQ(run.exit_code, 0) << run.output << run.errors;
  const nlohmann::json rows = nlohmann::json::parse(run.output, nullptr, false);
  ASSERT_TRUE(rows.is_array()) << run.output;
  ASSERT_EQ(rows.size(), 2u) << run.output;
  EXPECT_EQ(rows[0]["name"], "alpha");
  EXPECT_EQ(rows[0]["version"], "2");
  EXPECT_EQ(rows[0]["state"], "READY");
  if (protocol() == "vit") {
    EXPECT_EQ(rows[0]["default_version"], true);
    EXPECT_EQ(rows[0]["default_model"], true);
    EXPECT_EQ(rows[1]["default_model"], false);
  } else {
    EXPECT_TRUE(rows[0]["default_version"].is_null());
  }
  EXPECT_EQ(server_->control().calls(), (std::vector<std::string>{"index:ready"}));
}

TEST_P(ClientModelsTest, LoadUnloadAndReloadReachTheRepository) {
  ProcessResult run = Client({"models", "load", "alpha"});
  EXPECT_EQ(run.exit_code, 0) << run.output << run.errors;
  EXPECT_EQ(run.output, "alpha loaded\n");
  run = Client({"models", "reload", "alpha", "--json"});
  EXPECT_EQ(run.exit_code, 0) << run.output << run.errors;
  EXPECT_EQ(nlohmann::json::parse(run.output, nullptr, false),
            (nlohmann::json{{"model", "alpha"}, {"action", "reload"}, {"ok", true}}));
  run = Client({"models", "unload", "beta"});
  EXPECT_EQ(run.exit_code, 0) << run.output << run.errors;
  EXPECT_EQ(run.output, "beta unloaded\n");
  EXPECT_EQ(server_->control().calls(),
            (std::vector<std::string>{"load:alpha", "load:alpha", "unload:beta"}));
}

TEST_P(ClientModelsTest, ServerErrorsExitTwoWithTheServersMessage) {
  ProcessResult run = Client({"models", "unload", "gamma"});
  EXPECT_EQ(run.exit_code, 2) << run.output;
  EXPECT_NE(run.errors.find("NOT_FOUND"), std::string::npos) << run.errors;
  EXPECT_NE(run.errors.find("model 'gamma' is not in the model repository"), std::string::npos)
      << run.errors;
  server_->control().FailWith(
      FailedPreconditionError("model control is not allowed: start with --allow-model-control"));
  run = Client({"models", "load", "alpha"});
  EXPECT_EQ(run.exit_code, 2) << run.output;
  EXPECT_NE(run.errors.find("--allow-model-control"), std::string::npos) << run.errors;
  run = Client({"models", "list"}, /*token=*/false);
  EXPECT_EQ(run.exit_code, 2) << run.output;
  EXPECT_NE(run.errors.find("UNAUTHENTICATED"), std::string::npos) << run.errors;
}

TEST_P(ClientModelsTest, AMissingOrExtraNameIsAUsageError) {
  for (const std::vector<std::string>& args : {std::vector<std::string>{"models", "load"},
                                               {"models", "list", "alpha"},
                                               {"models", "unload", "alpha", "--ready"},
                                               {"models", "rename", "alpha"}}) {
    const ProcessResult run = Client(args);
    EXPECT_EQ(run.exit_code, 1) << args[1] << "\n" << run.output << run.errors;
  }
  EXPECT_TRUE(server_->control().calls().empty());
}

INSTANTIATE_TEST_SUITE_P(Protocols, ClientModelsTest,
                         ::testing::Values("vit", "oip-grpc", "oip-http"),
                         [](const ::testing::TestParamInfo<const char*>& info) {
                           std::string name = info.param;
                           for (char& c : name) c = c == '-' ? '_' : c;
                           return name;
                         });

}  // namespace
}  // namespace vit::client
