// Triton's model repository extension over HTTP in process, over a
// FakeModelControl: POST /v2/repository/index and /v2/repository/models/{m}/
// load|unload: shapes of the answers, bodies, codes and messages of errors,
// the bearer token, a server without a repository, and other requests
// answered while loads block (the HTTP server has one I/O thread here).
#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "tests/server/control_test_server.h"

namespace vit::server {
namespace {

using testing::ControlTestServer;

constexpr const char* kToken = "repository-http-token";

class RepositoryHttpTest : public ::testing::Test {
 protected:
  void Start(ServiceOptions options = {}, bool with_control = true) {
    server_ = std::make_unique<ControlTestServer>(options, with_control);
    ASSERT_TRUE(server_->ok());
  }
  httplib::Result Post(const std::string& path, const std::string& body = "",
                       const std::string& token = "") {
    httplib::Client client("http://" + server_->http_address());
    client.set_read_timeout(std::chrono::seconds(10));
    httplib::Headers headers;
    if (!token.empty()) headers.emplace("Authorization", std::string("Bearer ") + token);
    return client.Post(path, headers, body, "application/json");
  }
  // The error message of an {"error": "..."} body, or what was wrong with it.
  static std::string Error(const httplib::Result& result) {
    if (!result) return "no answer";
    nlohmann::json body = nlohmann::json::parse(result->body, nullptr, false);
    if (!body.is_object() || !body.contains("error")) return "not an error body: " + result->body;
    return body["error"].get<std::string>();
  }

  std::unique_ptr<ControlTestServer> server_;
};

TEST_F(RepositoryHttpTest, IndexIsTritonsArrayWithOrWithoutABody) {
  Start();
  for (const char* body : {"", "{}", R"({"ready": false})"}) {
    httplib::Result result = Post("/v2/repository/index", body);
    ASSERT_TRUE(result) << body;
    EXPECT_EQ(result->status, 200) << body;
    const nlohmann::json index = nlohmann::json::parse(result->body);
    ASSERT_EQ(index.size(), 3u) << result->body;
    EXPECT_EQ(index[0], (nlohmann::json{{"name", "alpha"},
                                        {"version", "1"},
                                        {"state", "UNAVAILABLE"},
                                        {"reason", "unloaded"}}));
    EXPECT_EQ(index[1]["state"], "READY");
    EXPECT_EQ(index[1]["reason"], "");
  }
  httplib::Result ready = Post("/v2/repository/index", R"({"ready": true})");
  ASSERT_TRUE(ready);
  EXPECT_EQ(nlohmann::json::parse(ready->body).size(), 2u) << ready->body;
  EXPECT_EQ(server_->control().calls().back(), "index:ready");
}

TEST_F(RepositoryHttpTest, LoadAndUnloadAnswer200WithAnEmptyBody) {
  Start();
  for (const char* path :
       {"/v2/repository/models/alpha/load", "/v2/repository/models/beta/unload"}) {
    httplib::Result result = Post(path);
    ASSERT_TRUE(result) << path;
    EXPECT_EQ(result->status, 200) << path << " " << result->body;
    EXPECT_EQ(result->body, "") << path;
  }
  httplib::Result with_body = Post("/v2/repository/models/alpha/load", R"({"parameters": {}})");
  ASSERT_TRUE(with_body);
  EXPECT_EQ(with_body->status, 200) << with_body->body;
  EXPECT_EQ(server_->control().calls(),
            (std::vector<std::string>{"load:alpha", "unload:beta", "load:alpha"}));
  EXPECT_NE(server_->metrics().RenderPrometheus().find(
                "protocol=\"oip-http\",method=\"RepositoryModelLoad\",code=\"OK\"} 2"),
            std::string::npos);
}

TEST_F(RepositoryHttpTest, ErrorsAreTheOipErrorBodyWithTheirStatus) {
  Start();
  httplib::Result unknown = Post("/v2/repository/models/gamma/unload");
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 404);
  EXPECT_EQ(Error(unknown), "model 'gamma' is not in the model repository");

  server_->control().FailWith(
      FailedPreconditionError("model control is not allowed: start with --allow-model-control"));
  httplib::Result refused = Post("/v2/repository/models/alpha/load");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 400);
  EXPECT_EQ(Error(refused), "model control is not allowed: start with --allow-model-control");
  server_->control().FailWith(ResourceExhaustedError("needs 900 MB, 200 MB of 1000 MB free"));
  httplib::Result over = Post("/v2/repository/models/alpha/load");
  ASSERT_TRUE(over);
  EXPECT_EQ(over->status, 503);
  EXPECT_EQ(Error(over), "needs 900 MB, 200 MB of 1000 MB free");
}

TEST_F(RepositoryHttpTest, BadBodiesAndMethodsAreRefusedBeforeTheRepository) {
  Start();
  const std::pair<const char*, const char*> bad[] = {
      {"/v2/repository/index", "{"},
      {"/v2/repository/index", R"({"ready": "yes"})"},
      {"/v2/repository/index", R"({"ready_only": true})"},
      {"/v2/repository/index", "[true]"},
      {"/v2/repository/models/alpha/load", R"({"parameters": 3})"},
      {"/v2/repository/models/alpha/load", R"({"model": "alpha"})"},
      {"/v2/repository/models/alpha/unload", R"({"parameters": {"force": true}})"}};
  for (const auto& [path, body] : bad) {
    httplib::Result result = Post(path, body);
    ASSERT_TRUE(result) << path << " " << body;
    EXPECT_EQ(result->status, 400) << path << " " << body << " -> " << result->body;
    const std::string message = Error(result);
    EXPECT_TRUE(message.rfind("Repository", 0) == 0 || message.rfind("model control", 0) == 0)
        << message;
  }
  httplib::Result config =
      Post("/v2/repository/models/alpha/load", R"({"parameters": {"config": "{}"}})");
  ASSERT_TRUE(config);
  EXPECT_EQ(config->status, 501) << config->body;
  httplib::Result huge = Post("/v2/repository/index", std::string(5000, ' '));
  ASSERT_TRUE(huge);
  EXPECT_EQ(huge->status, 400) << huge->body;

  httplib::Client client("http://" + server_->http_address());
  httplib::Result get = client.Get("/v2/repository/index");
  ASSERT_TRUE(get);
  EXPECT_EQ(get->status, 405);
  httplib::Result unknown_action = Post("/v2/repository/models/alpha/reload");
  ASSERT_TRUE(unknown_action);
  EXPECT_EQ(unknown_action->status, 404);
  EXPECT_TRUE(server_->control().calls().empty());
}

TEST_F(RepositoryHttpTest, EveryControlEndpointNeedsTheToken) {
  ServiceOptions options;
  options.auth_token = kToken;
  Start(options);
  for (const char* path : {"/v2/repository/index", "/v2/repository/models/alpha/load",
                           "/v2/repository/models/alpha/unload"}) {
    httplib::Result missing = Post(path);
    ASSERT_TRUE(missing);
    EXPECT_EQ(missing->status, 401) << path;
    httplib::Result wrong = Post(path, "", "not-the-token");
    ASSERT_TRUE(wrong);
    EXPECT_EQ(wrong->status, 401) << path;
  }
  EXPECT_TRUE(server_->control().calls().empty());
  for (const char* path : {"/v2/repository/index", "/v2/repository/models/alpha/load",
                           "/v2/repository/models/alpha/unload"}) {
    httplib::Result ok = Post(path, "", kToken);
    ASSERT_TRUE(ok);
    EXPECT_EQ(ok->status, 200) << path << " " << ok->body;
  }
}

TEST_F(RepositoryHttpTest, WithoutARepositoryTheAnswerSaysSo) {
  Start({}, /*with_control=*/false);
  for (const char* path : {"/v2/repository/index", "/v2/repository/models/alpha/load"}) {
    httplib::Result result = Post(path);
    ASSERT_TRUE(result);
    EXPECT_EQ(result->status, 400) << path;
    EXPECT_NE(Error(result).find("no model repository"), std::string::npos) << result->body;
  }
}

TEST_F(RepositoryHttpTest, BlockedLoadsHoldNeitherTheIoThreadNorOtherRequests) {
  Start();
  server_->control().Block();
  std::atomic<int> answered{0};
  std::vector<int> statuses(3, 0);
  std::vector<std::thread> loads;
  for (int i = 0; i < 3; ++i) {
    loads.emplace_back([this, i, &statuses, &answered] {
      httplib::Result result = Post("/v2/repository/models/alpha/load");
      statuses[i] = result ? result->status : -1;
      ++answered;
    });
  }
  // Expectations only until the loads are joined: a failed ASSERT here
  // would leave their threads running.
  EXPECT_TRUE(server_->control().WaitForStarted(2));  // both control threads hold one
  const auto start = std::chrono::steady_clock::now();
  httplib::Client client("http://" + server_->http_address());
  client.set_read_timeout(std::chrono::seconds(3));
  httplib::Result live = client.Get("/v2/health/live");
  EXPECT_TRUE(live && live->status == 200);
  httplib::Result classify = client.Post("/v1/classify", "class:3", "application/octet-stream");
  EXPECT_TRUE(classify && classify->status == 200);
  httplib::Result index = client.Post("/v2/repository/index", "", "application/json");
  EXPECT_TRUE(index && index->status == 200);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
  EXPECT_EQ(answered.load(), 0);  // the loads still wait in the repository

  server_->control().Release();
  for (std::thread& load : loads) load.join();
  EXPECT_EQ(statuses, (std::vector<int>{200, 200, 200}));
}

}  // namespace
}  // namespace vit::server
