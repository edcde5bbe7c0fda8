// POST /v1/explain without a server: the query -> vit.v1.ExplainRequest
// (defaults, every parameter, the errors naming what was wrong) and the
// ExplainResponse -> JSON or PNG.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <utility>

#include "server/http_api/explain_query.h"
#include "server/http_api/explain_response_writer.h"

namespace vit::server::http_api {
namespace {

using nlohmann::json;

http::HttpRequest WithQuery(std::initializer_list<std::pair<const char*, const char*>> query) {
  http::HttpRequest request;
  request.method = "POST";
  request.path = "/v1/explain";
  for (const auto& [name, value] : query) request.query.emplace(name, value);
  return request;
}

void ExpectInvalid(std::initializer_list<std::pair<const char*, const char*>> query,
                   const std::string& needle) {
  StatusOr<ExplainQuery> parsed = ParseExplainQuery(WithQuery(query));
  ASSERT_FALSE(parsed.ok()) << "accepted a query whose error should name: " << needle;
  EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(parsed.status().message().find(needle), std::string::npos) << parsed.status().message();
}

TEST(ExplainQueryTest, NoParametersMeansTheDefaults) {
  StatusOr<ExplainQuery> parsed = ParseExplainQuery(WithQuery({}));
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->format, ExplainFormat::kJson);
  const v1::ExplainRequest& request = parsed->request;
  EXPECT_EQ(request.method(), "");
  EXPECT_EQ(request.head_fusion(), "");
  EXPECT_EQ(request.discard_ratio(), 0.0f);
  EXPECT_EQ(request.top_k(), 0);
  EXPECT_EQ(request.model(), "");
  EXPECT_FALSE(request.overlay_png()) << "the overlay costs an encode: only when asked";
  EXPECT_TRUE(request.image().empty()) << "the image is the body, passed apart";
}

TEST(ExplainQueryTest, ReadsEveryParameter) {
  StatusOr<ExplainQuery> parsed = ParseExplainQuery(WithQuery({{"method", "attention"},
                                                               {"head_fusion", "max"},
                                                               {"discard_ratio", "0.9"},
                                                               {"top_k", "3"},
                                                               {"model", "vit-fashion-mnist"},
                                                               {"overlay", "true"}}));
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  const v1::ExplainRequest& request = parsed->request;
  EXPECT_EQ(request.method(), "attention");
  EXPECT_EQ(request.head_fusion(), "max");
  EXPECT_FLOAT_EQ(request.discard_ratio(), 0.9f);
  EXPECT_EQ(request.top_k(), 3);
  EXPECT_EQ(request.model(), "vit-fashion-mnist");
  EXPECT_TRUE(request.overlay_png());
  EXPECT_EQ(parsed->format, ExplainFormat::kJson);
  for (const char* no : {"false", "0"}) {
    StatusOr<ExplainQuery> off = ParseExplainQuery(WithQuery({{"overlay", no}}));
    ASSERT_TRUE(off.ok()) << no;
    EXPECT_FALSE(off->request.overlay_png()) << no;
  }
}

TEST(ExplainQueryTest, PngFormatAsksForTheOverlay) {
  StatusOr<ExplainQuery> parsed = ParseExplainQuery(WithQuery({{"format", "png"}}));
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->format, ExplainFormat::kPng);
  EXPECT_TRUE(parsed->request.overlay_png());
  ExpectInvalid({{"format", "png"}, {"overlay", "false"}}, "overlay=false");
}

TEST(ExplainQueryTest, RefusesBadParametersNamingThem) {
  ExpectInvalid({{"method", "gradcam"}}, "method \"gradcam\"");
  ExpectInvalid({{"head_fusion", "median"}}, "head_fusion \"median\"");
  ExpectInvalid({{"discard_ratio", "1"}}, "outside [0, 1)");
  ExpectInvalid({{"discard_ratio", "-0.1"}}, "outside [0, 1)");
  ExpectInvalid({{"discard_ratio", "half"}}, "discard_ratio must be a number; got 'half'");
  ExpectInvalid({{"discard_ratio", "nan"}}, "discard_ratio must be a number");
  ExpectInvalid({{"discard_ratio", "0.5x"}}, "discard_ratio must be a number");
  ExpectInvalid({{"top_k", "3.5"}}, "top_k must be an integer; got '3.5'");
  ExpectInvalid({{"overlay", "yes"}}, "overlay must be true, false, 1 or 0; got 'yes'");
  ExpectInvalid({{"format", "jpeg"}}, "format must be json (the default) or png; got 'jpeg'");
}

v1::ExplainResponse CannedResponse() {
  v1::ExplainResponse response;
  response.set_grid_height(2);
  response.set_grid_width(3);
  for (float v : {0.0f, 0.25f, 0.5f, 0.75f, 1.0f, 0.5f}) response.add_heatmap(v);
  v1::Prediction* top = response.add_predictions();
  top->set_class_index(7);
  top->set_label("sneaker");
  top->set_probability(0.75f);
  response.set_overlay_png(std::string("\x89PNG\r\n\x1a\n-bytes", 14));
  response.set_model_id("vit-fashion-mnist");
  response.mutable_timings()->set_total_us(1234);
  response.mutable_timings()->set_batch_size(1);
  return response;
}

TEST(ExplainResponseWriterTest, WritesJsonWithTheProtoFieldNamesAndBase64Overlay) {
  const http::HttpResponse written = WriteExplainResponse(CannedResponse(), ExplainFormat::kJson);
  EXPECT_EQ(written.status, 200);
  EXPECT_EQ(written.content_type, "application/json");
  const json body = json::parse(written.body);
  EXPECT_EQ(body["grid_height"], 2);
  EXPECT_EQ(body["grid_width"], 3);
  ASSERT_EQ(body["heatmap"].size(), 6u);
  EXPECT_DOUBLE_EQ(body["heatmap"][1].get<double>(), 0.25);
  EXPECT_EQ(body["predictions"][0]["label"], "sneaker");
  EXPECT_EQ(body["predictions"][0]["class_index"], 7);
  EXPECT_EQ(body["model_id"], "vit-fashion-mnist");
  EXPECT_EQ(body["timings"]["total_us"], "1234") << "protobuf's JSON writes int64 as a string";
  // base64 of "\x89PNG\r\n\x1a\n-bytes"
  EXPECT_EQ(body["overlay_png"], "iVBORw0KGgotYnl0ZXM=");
}

TEST(ExplainResponseWriterTest, WritesThePngItself) {
  const v1::ExplainResponse response = CannedResponse();
  const http::HttpResponse written = WriteExplainResponse(response, ExplainFormat::kPng);
  EXPECT_EQ(written.status, 200);
  EXPECT_EQ(written.content_type, "image/png");
  EXPECT_EQ(written.body, response.overlay_png());
}

TEST(ExplainResponseWriterTest, APngAnswerWithoutAnOverlayIsAnErrorNotAnEmptyImage) {
  v1::ExplainResponse response = CannedResponse();
  response.clear_overlay_png();
  const http::HttpResponse written = WriteExplainResponse(response, ExplainFormat::kPng);
  EXPECT_EQ(written.status, 500);
  EXPECT_EQ(written.content_type, "application/json");
  EXPECT_NE(json::parse(written.body)["error"].get<std::string>().find("without its overlay"),
            std::string::npos);
}

}  // namespace
}  // namespace vit::server::http_api
