// With a model repository, what the HTTP front door reports names the
// repository's model and the served version: OIP ModelMetadata, ModelConfig,
// ModelReady, ModelStatistics and ServerMetadata's extensions; /v1/classify,
// /v1/embed and /v1/models (the vit.v1 messages as JSON); and a model's own
// default_top_k (vit-serve.json) on /v1/classify and /v1/explain. The handler
// in process over two fake models ("alpha" version 1, "beta" version 3 with
// default_top_k 2).
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <future>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "server/http_api/http_api_handler.h"
#include "server/metrics.h"
#include "server/serving_context.h"
#include "server/vit_service.h"
#include "tests/server/two_model_directory.h"

namespace vit::server::http_api {
namespace {

using nlohmann::json;

class PerModelReportingTest : public ::testing::Test {
 protected:
  void SetUp() override { serving_.SetModelDirectory(&models_); }

  // One request through the handler; its status and JSON body.
  std::pair<int, json> Call(const std::string& method, const std::string& path,
                            const std::string& body = "") {
    auto request = std::make_shared<http::HttpRequest>();
    request->method = method;
    request->path = path;
    request->target = path;
    const size_t question = path.find('?');
    if (question != std::string::npos) {
      request->path = path.substr(0, question);
      const std::string query = path.substr(question + 1);
      const size_t equals = query.find('=');
      request->query.emplace(query.substr(0, equals), query.substr(equals + 1));
    }
    request->body = body;
    request->peer = "ipv4:127.0.0.1:1";
    auto promise = std::make_shared<std::promise<http::HttpResponse>>();
    std::future<http::HttpResponse> answer = promise->get_future();
    handler_.Handle(request, [promise](http::HttpResponse response) {
      promise->set_value(std::move(response));
    });
    if (answer.wait_for(std::chrono::seconds(10)) != std::future_status::ready) {
      ADD_FAILURE() << method << " " << path << ": no reply in 10 s";
      return {0, json()};
    }
    http::HttpResponse response = answer.get();
    return {response.status, json::parse(response.body, nullptr, /*allow_exceptions=*/false)};
  }

  Metrics metrics_;
  testing::TwoModelDirectory models_{&metrics_, /*beta_default_top_k=*/2};
  ServingContext serving_{ServiceOptions(), &metrics_};
  VitServiceImpl service_{&serving_};
  HttpApiHandler handler_{&service_};
};

TEST_F(PerModelReportingTest, OipDocumentsNameTheModelAndItsServedVersion) {
  auto [status, metadata] = Call("GET", "/v2/models/beta");
  ASSERT_EQ(status, 200) << metadata.dump();
  EXPECT_EQ(metadata["name"], "beta");
  EXPECT_EQ(metadata["versions"], json::array({"3"}));

  auto [config_status, config] = Call("GET", "/v2/models/beta/config");
  ASSERT_EQ(config_status, 200) << config.dump();
  EXPECT_EQ(config["name"], "beta") << config.dump();

  auto [versioned_status, versioned] = Call("GET", "/v2/models/beta/versions/3");
  EXPECT_EQ(versioned_status, 200) << versioned.dump();
  EXPECT_EQ(Call("GET", "/v2/models/beta/versions/1").first, 404);

  auto [stats_status, stats] = Call("GET", "/v2/models/beta/stats");
  ASSERT_EQ(stats_status, 200) << stats.dump();
  EXPECT_EQ(stats["model_stats"][0]["name"], "beta") << stats.dump();
  EXPECT_EQ(stats["model_stats"][0]["version"], "3");
  EXPECT_EQ(stats["model_stats"].size(), 1u) << stats.dump();

  // No model named: every model's statistics, sorted by name.
  auto [all_status, all] = Call("GET", "/v2/models/stats");
  ASSERT_EQ(all_status, 200) << all.dump();
  ASSERT_EQ(all["model_stats"].size(), 2u) << all.dump();
  EXPECT_EQ(all["model_stats"][0]["name"], "alpha");
  EXPECT_EQ(all["model_stats"][0]["version"], "1");
  EXPECT_EQ(all["model_stats"][1]["name"], "beta");
  EXPECT_EQ(all["model_stats"][1]["version"], "3");

  auto [server_status, server] = Call("GET", "/v2");
  ASSERT_EQ(server_status, 200);
  const json& extensions = server["extensions"];
  EXPECT_NE(std::find(extensions.begin(), extensions.end(), "model_repository"), extensions.end())
      << server.dump();
}

TEST_F(PerModelReportingTest, V1ResponsesNameTheModelAndItsServedVersion) {
  auto [status, classified] = Call("POST", "/v1/classify?model=beta", "class:2");
  ASSERT_EQ(status, 200) << classified.dump();
  EXPECT_EQ(classified["model_id"], "beta");
  EXPECT_EQ(classified["model_version"], "3");

  auto [embed_status, embedded] = Call("POST", "/v1/embed?model=alpha", "class:2");
  ASSERT_EQ(embed_status, 200) << embedded.dump();
  EXPECT_EQ(embedded["model_id"], "alpha");
  EXPECT_EQ(embedded["model_version"], "1");

  auto [info_status, info] = Call("GET", "/v1/models/beta");
  ASSERT_EQ(info_status, 200) << info.dump();
  EXPECT_EQ(info["id"], "beta");
  EXPECT_EQ(info["model_version"], "3");
}

TEST_F(PerModelReportingTest, V1CallsWithoutTopKUseTheModelsOwnDefault) {
  // beta: its vit-serve.json's 2; alpha: the server's 5, capped at its 4 classes.
  EXPECT_EQ(Call("POST", "/v1/classify?model=beta", "class:2").second["predictions"].size(), 2u);
  EXPECT_EQ(Call("POST", "/v1/classify?model=alpha", "class:2").second["predictions"].size(), 4u);
  auto [status, explained] = Call("POST", "/v1/explain?model=beta", "class:2");
  ASSERT_EQ(status, 200) << explained.dump();
  EXPECT_EQ(explained["predictions"].size(), 2u);
  EXPECT_EQ(explained["model_version"], "3");
}

}  // namespace
}  // namespace vit::server::http_api
