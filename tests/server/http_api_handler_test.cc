// The HttpApiHandler in process (no socket) over the service and the fake
// model: the page needs no token, /v1/explain does and checks its query
// before submitting, wrong methods are 405, /v1/classify still answers.
#include "server/http_api/http_api_handler.h"

#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "server/inference_pipeline.h"
#include "server/metrics.h"
#include "tests/server/fake_model.h"

namespace vit::server::http_api {
namespace {

using nlohmann::json;
constexpr char kToken[] = "handler-test-token";

class HttpApiHandlerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ServiceOptions options;
    options.auth_token = kToken;
    service_ = std::make_unique<VitServiceImpl>(options, &metrics_);
    PipelineOptions pipeline_options;
    pipeline_options.batching.max_batch_size = 4;
    pipeline_options.batching.max_queue_delay_microseconds = 0;
    pipeline_options.warmup_batches = 0;
    auto pipeline =
        InferencePipeline::Create(pipeline_options, &backend_, &preprocessor_, &metrics_);
    ASSERT_TRUE(pipeline.ok()) << pipeline.status().ToString();
    pipeline_ = std::move(pipeline).value();
    service_->SetPipeline(pipeline_.get());
    handler_ = std::make_unique<HttpApiHandler>(service_.get());
  }
  void TearDown() override {
    if (pipeline_) pipeline_->Stop(/*drain=*/true);
  }

  // Sends one request through the handler and waits for its reply.
  http::HttpResponse Call(const std::string& method, const std::string& path,
                          const std::string& query_name = "", const std::string& query_value = "",
                          const std::string& body = "", bool with_token = true) {
    auto request = std::make_shared<http::HttpRequest>();
    request->method = method;
    request->path = path;
    request->target = path;
    if (!query_name.empty()) request->query.emplace(query_name, query_value);
    request->body = body;
    request->peer = "ipv4:127.0.0.1:1";
    if (with_token) request->headers.emplace_back("Authorization", std::string("Bearer ") + kToken);
    auto promise = std::make_shared<std::promise<http::HttpResponse>>();
    std::future<http::HttpResponse> answer = promise->get_future();
    handler_->Handle(request, [promise](http::HttpResponse response) {
      promise->set_value(std::move(response));
    });
    if (answer.wait_for(std::chrono::seconds(10)) != std::future_status::ready) {
      ADD_FAILURE() << method << " " << path << ": no reply in 10 s";
      return {};
    }
    return answer.get();
  }

  static std::string ErrorOf(const http::HttpResponse& response) {
    const json body = json::parse(response.body, nullptr, /*allow_exceptions=*/false);
    return body.is_object() && body.contains("error") ? body["error"].get<std::string>() : "";
  }

  testing::FakeBackend backend_;
  testing::FakePreprocessor preprocessor_;
  Metrics metrics_;
  std::unique_ptr<VitServiceImpl> service_;
  std::unique_ptr<InferencePipeline> pipeline_;
  std::unique_ptr<HttpApiHandler> handler_;
};

TEST_F(HttpApiHandlerTest, ServesThePageWithoutTheToken) {
  const http::HttpResponse page = Call("GET", "/", "", "", "", /*with_token=*/false);
  EXPECT_EQ(page.status, 200);
  EXPECT_EQ(page.content_type, "text/html; charset=utf-8");
  EXPECT_EQ(Call("GET", "/web/app.js", "", "", "", false).status, 200);
  const http::HttpResponse missing = Call("GET", "/web/missing.css", "", "", "", false);
  EXPECT_EQ(missing.status, 404);
  EXPECT_NE(ErrorOf(missing).find("/web/missing.css"), std::string::npos) << missing.body;
}

TEST_F(HttpApiHandlerTest, ThePageAnswersGetOnly) {
  const http::HttpResponse post = Call("POST", "/", "", "", "x");
  EXPECT_EQ(post.status, 405);
  ASSERT_EQ(post.headers.size(), 1u);
  EXPECT_EQ(post.headers[0].first, "Allow");
  EXPECT_EQ(post.headers[0].second, "GET");
}

TEST_F(HttpApiHandlerTest, ExplainNeedsTheToken) {
  const http::HttpResponse response =
      Call("POST", "/v1/explain", "", "", "class:1", /*with_token=*/false);
  EXPECT_EQ(response.status, 401);
  EXPECT_FALSE(ErrorOf(response).empty()) << response.body;
}

TEST_F(HttpApiHandlerTest, ExplainRefusesABadQueryWith400BeforeSubmitting) {
  const int64_t answered = service_->answered();
  const struct {
    const char* name;
    const char* value;
    const char* needle;
  } cases[] = {{"method", "gradcam", "method \"gradcam\""},
               {"discard_ratio", "2", "outside [0, 1)"},
               {"top_k", "many", "top_k must be an integer"},
               {"format", "gif", "format must be json"}};
  for (const auto& c : cases) {
    const http::HttpResponse response = Call("POST", "/v1/explain", c.name, c.value, "class:1");
    EXPECT_EQ(response.status, 400) << c.name;
    EXPECT_EQ(response.content_type, "application/json");
    EXPECT_NE(ErrorOf(response).find(c.needle), std::string::npos) << response.body;
  }
  EXPECT_EQ(service_->answered(), answered) << "nothing reached the service";
  EXPECT_EQ(Call("GET", "/v1/explain").status, 405);
}

TEST_F(HttpApiHandlerTest, ClassifyStillAnswersJsonAndNamesABadTopK) {
  const http::HttpResponse response = Call("POST", "/v1/classify", "top_k", "2", "class:2");
  ASSERT_EQ(response.status, 200) << response.body;
  const json body = json::parse(response.body);
  ASSERT_EQ(body["predictions"].size(), 2u);
  EXPECT_EQ(body["predictions"][0]["label"], "two");
  EXPECT_EQ(body["model_id"], "fake-model");
  const http::HttpResponse bad = Call("POST", "/v1/classify", "top_k", "2x", "class:2");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(ErrorOf(bad), "top_k must be an integer; got '2x'");
  const http::HttpResponse undecodable = Call("POST", "/v1/classify", "", "", "not an image");
  EXPECT_EQ(undecodable.status, 400);
  EXPECT_NE(ErrorOf(undecodable).find("decode"), std::string::npos) << undecodable.body;
}

}  // namespace
}  // namespace vit::server::http_api
