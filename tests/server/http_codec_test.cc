// The Open Inference Protocol REST codec without a server: inference request
// bodies (JSON and Triton's binary tensor data extension) to
// oip::InferRequest, responses back, the routes and the error statuses.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "server/http_api/api_route.h"
#include "server/http_api/http_status.h"
#include "server/http_api/infer_request_parser.h"
#include "server/http_api/infer_response_writer.h"
#include "server/http_api/oip_documents.h"
#include "server/http_api/repository_documents.h"

namespace vit::server::http_api {
namespace {

using nlohmann::json;

std::vector<float> Floats(const oip::InputTensor& tensor) {
  std::vector<float> out(tensor.fp32_count);
  if (!out.empty()) std::memcpy(out.data(), tensor.fp32, out.size() * sizeof(float));
  return out;
}

std::string LengthPrefixed(const std::vector<std::string>& elements) {
  std::string out;
  for (const std::string& element : elements) {
    const uint32_t n = static_cast<uint32_t>(element.size());
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((n >> (8 * i)) & 0xFF));
    out += element;
  }
  return out;
}

// The body and header length of a binary-extension request.
struct BinaryBody {
  std::string body;
  size_t json_length = 0;
};

BinaryBody WithBinary(const json& header, const std::string& binary) {
  BinaryBody out;
  out.body = header.dump();
  out.json_length = out.body.size();
  out.body += binary;
  return out;
}

// Asserts that parsing fails with INVALID_ARGUMENT whose message contains `needle`.
void ExpectInvalid(std::string_view body, std::optional<size_t> json_length,
                   const std::string& needle) {
  StatusOr<ParsedInferRequest> parsed = ParseInferRequest(body, json_length);
  ASSERT_FALSE(parsed.ok()) << "accepted: " << body.substr(0, 200);
  EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(parsed.status().message().find(needle), std::string::npos) << parsed.status().message();
}

TEST(InferRequestParserTest, JsonFp32FlatAndNestedAreTheSame) {
  const std::string flat = R"({"id": "r1", "inputs": [{"name": "pixel_values", "datatype": "FP32",
      "shape": [1, 2, 2], "data": [1, 2.5, -3e-2, 4]}]})";
  const std::string nested = R"({"inputs": [{"data": [[[1, 2.5], [-3e-2, 4]]],
      "shape": [1, 2, 2], "datatype": "FP32", "name": "pixel_values"}], "id": "r1"})";
  for (const std::string& body : {flat, nested}) {
    StatusOr<ParsedInferRequest> parsed = ParseInferRequest(body, std::nullopt);
    ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
    const oip::InferRequest& request = parsed->request;
    EXPECT_EQ(request.id, "r1");
    ASSERT_EQ(request.inputs.size(), 1u);
    EXPECT_EQ(request.inputs[0].name, "pixel_values");
    EXPECT_EQ(request.inputs[0].datatype, "FP32");
    EXPECT_EQ(request.inputs[0].shape, (std::vector<int64_t>{1, 2, 2}));
    EXPECT_EQ(Floats(request.inputs[0]), (std::vector<float>{1.0f, 2.5f, -0.03f, 4.0f}));
    EXPECT_TRUE(request.outputs.empty());
  }
}

TEST(InferRequestParserTest, JsonBytesAreUnescapedStrings) {
  const std::string body = R"({"inputs": [{"name": "image", "datatype": "BYTES", "shape": [2],
      "data": ["a\"b\\c", "\u00e9\n"]}]})";
  StatusOr<ParsedInferRequest> parsed = ParseInferRequest(body, std::nullopt);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  ParsedInferRequest moved = std::move(*parsed);  // views survive the move
  const auto& elements = moved.request.inputs[0].bytes_elements;
  ASSERT_EQ(elements.size(), 2u);
  EXPECT_EQ(elements[0], "a\"b\\c");
  EXPECT_EQ(elements[1], "\xc3\xa9\n");
}

TEST(InferRequestParserTest, OutputsAndParameters) {
  const std::string body = R"({"inputs": [{"name": "image", "datatype": "BYTES", "shape": [1],
      "data": ["x"]}], "parameters": {"binary_data_output": true, "other": [1, {"a": 2}]},
      "outputs": [{"name": "probabilities", "parameters": {"classification": 3}},
                  {"name": "logits", "parameters": {"binary_data": false}}]})";
  StatusOr<ParsedInferRequest> parsed = ParseInferRequest(body, std::nullopt);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  const oip::InferRequest& request = parsed->request;
  EXPECT_TRUE(request.binary_data_output);
  ASSERT_EQ(request.outputs.size(), 2u);
  EXPECT_EQ(request.outputs[0].name, "probabilities");
  EXPECT_EQ(request.outputs[0].classification, 3);
  EXPECT_TRUE(request.outputs[0].binary_data);  // from binary_data_output
  EXPECT_EQ(request.outputs[1].name, "logits");
  EXPECT_FALSE(request.outputs[1].binary_data);  // its own parameter wins
}

TEST(InferRequestParserTest, BinaryFp32StaysInTheBody) {
  const std::vector<float> pixels = {0.5f, -1.25f, 3.0f, 7.0f, 8.0f, 9.0f};
  std::string blob(reinterpret_cast<const char*>(pixels.data()), pixels.size() * 4);
  const BinaryBody request =
      WithBinary({{"inputs",
                   {{{"name", "pixel_values"},
                     {"datatype", "FP32"},
                     {"shape", {2, 3}},
                     {"parameters", {{"binary_data_size", blob.size()}}}}}},
                  {"outputs", {{{"name", "logits"}, {"parameters", {{"binary_data", true}}}}}}},
                 blob);
  StatusOr<ParsedInferRequest> parsed = ParseInferRequest(request.body, request.json_length);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  const oip::InputTensor& tensor = parsed->request.inputs[0];
  EXPECT_EQ(tensor.fp32, request.body.data() + request.json_length);
  EXPECT_EQ(Floats(tensor), pixels);
  EXPECT_TRUE(parsed->request.outputs[0].binary_data);
}

TEST(InferRequestParserTest, BinaryBytesAreLengthPrefixed) {
  const std::vector<std::string> images = {std::string("\xff\xd8\0\x01", 4), "", "png!"};
  const std::string blob = LengthPrefixed(images);
  const BinaryBody request = WithBinary({{"inputs",
                                          {{{"name", "image"},
                                            {"datatype", "BYTES"},
                                            {"shape", {3, 1}},
                                            {"parameters", {{"binary_data_size", blob.size()}}}}}}},
                                        blob);
  StatusOr<ParsedInferRequest> parsed = ParseInferRequest(request.body, request.json_length);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  const auto& elements = parsed->request.inputs[0].bytes_elements;
  ASSERT_EQ(elements.size(), 3u);
  for (size_t i = 0; i < images.size(); ++i) EXPECT_EQ(elements[i], images[i]);
}

TEST(InferRequestParserTest, MalformedJsonIsRefused) {
  ExpectInvalid("", std::nullopt, "no JSON body");
  ExpectInvalid("{", std::nullopt, "malformed JSON");
  ExpectInvalid("[1, 2]", std::nullopt, "the top level must be an object");
  ExpectInvalid(R"({"inputs": [})", std::nullopt, "malformed JSON");
  ExpectInvalid(R"({"inputs": []} trailing)", std::nullopt, "after the top-level value");
  ExpectInvalid(R"({"id": 5, "inputs": []})", std::nullopt, "id must be a string");
  ExpectInvalid(R"({"outputs": []})", std::nullopt, "no \"inputs\"");
  ExpectInvalid(R"({"inputs": [{"name": "x", "datatype": "FP32", "shape": [2],
      "data": [1, "two"]}]})",
                std::nullopt, "numbers");
  ExpectInvalid(R"({"inputs": [{"name": "x", "datatype": "FP32", "shape": [1],
      "data": [1e400]}]})",
                std::nullopt, "inputs[0]");
  ExpectInvalid(R"({"inputs": [{"name": "x", "datatype": "FP32", "shape": [1],
      "data": [1e39]}]})",
                std::nullopt, "out of FP32's range");
}

// Found by fuzz_http_infer_request: a syntax error after the one field the
// parser wanted from an object ("5 6") must be an error, not an abort.
TEST(InferRequestParserTest, MalformedJsonAfterAFieldIsRefused) {
  const std::string body = R"({"inputs": [{"name": "image", "datatype": "BYTES", "shape": [1],
      "parameters": {"binary_data_size": 5 6}}]})";
  ExpectInvalid(body, body.size(), "malformed JSON");
  ExpectInvalid(R"({"inputs": [{"name": "x", "shape": [1], "data": [1 2], "datatype": "FP32"}]})",
                std::nullopt, "");
}

TEST(InferRequestParserTest, DataBeforeShapeIsReadOnceTheShapeIsKnown) {
  StatusOr<ParsedInferRequest> parsed = ParseInferRequest(
      R"({"inputs": [{"data": [[1, 2], [3, 4]], "name": "x", "datatype": "FP32", "shape": [2, 2]}]})",
      std::nullopt);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(Floats(parsed->request.inputs[0]), (std::vector<float>{1, 2, 3, 4}));
  ExpectInvalid(
      R"({"inputs": [{"data": [1, 2, 3], "name": "x", "datatype": "FP32", "shape": [2]}]})",
      std::nullopt, "more than 2 elements");
}

TEST(InferRequestParserTest, DeepNestingIsRefusedBeforeRecursing) {
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  ExpectInvalid(
      R"({"inputs": [{"name": "x", "datatype": "FP32", "shape": [1], "data": )" + deep + "}]}",
      std::nullopt, "");
  ExpectInvalid(R"({"inputs": [{"name": "x", "datatype": "FP32", "shape": [1, 1],
      "data": [[[1]]]}]})",
                std::nullopt, "nested deeper than its shape [1, 1]");
}

TEST(InferRequestParserTest, ShapeAndDataMustAgree) {
  ExpectInvalid(R"({"inputs": [{"name": "x", "datatype": "FP32", "shape": [2, 2],
      "data": [1, 2, 3]}]})",
                std::nullopt, "has 3 elements but shape [2, 2] needs 4");
  ExpectInvalid(R"({"inputs": [{"name": "x", "datatype": "FP32", "shape": [2],
      "data": [1, 2, 3]}]})",
                std::nullopt, "more than 2 elements");
  ExpectInvalid(R"({"inputs": [{"name": "x", "datatype": "BYTES", "shape": [1],
      "data": ["a", "b"]}]})",
                std::nullopt, "more than 1 elements");
  ExpectInvalid(R"({"inputs": [{"name": "x", "datatype": "FP32", "shape": [-1], "data": []}]})",
                std::nullopt, "negative dimension -1");
  ExpectInvalid(R"({"inputs": [{"name": "x", "datatype": "INT8", "shape": [1], "data": [1]}]})",
                std::nullopt, "datatype 'INT8'");
  ExpectInvalid(R"({"inputs": [{"name": "x", "datatype": "FP32", "shape": [1]}]})", std::nullopt,
                "neither \"data\" nor binary_data_size");
  ExpectInvalid(R"({"inputs": [{"datatype": "FP32", "shape": [1], "data": [1]}]})", std::nullopt,
                "no \"name\"");
}

// A shape of 10^12 elements (or one that overflows int64) must fail on the
// body's size, before anything is reserved for it: this test would abort
// with bad_alloc (or be killed) otherwise.
TEST(InferRequestParserTest, HugeDeclaredShapeAllocatesNothing) {
  ExpectInvalid(R"({"inputs": [{"name": "x", "datatype": "FP32", "shape": [1000000, 1000000],
      "data": [1]}]})",
                std::nullopt, "more than a");
  ExpectInvalid(R"({"inputs": [{"name": "x", "datatype": "BYTES", "shape": [1000000000000],
      "data": ["a"]}]})",
                std::nullopt, "more than a");
  ExpectInvalid(R"({"inputs": [{"name": "x", "datatype": "FP32",
      "shape": [4294967296, 4294967296, 4294967296], "data": [1]}]})",
                std::nullopt, "more elements than int64");
  const std::string blob = LengthPrefixed({"a"});
  const BinaryBody bytes = WithBinary({{"inputs",
                                        {{{"name", "image"},
                                          {"datatype", "BYTES"},
                                          {"shape", {1000000000000}},
                                          {"parameters", {{"binary_data_size", blob.size()}}}}}}},
                                      blob);
  ExpectInvalid(bytes.body, bytes.json_length, "has 1 BYTES elements");
}

TEST(InferRequestParserTest, TruncatedOrMismatchedBinaryIsRefused) {
  const std::string blob(24, '\0');  // 6 floats
  auto header = [](size_t size, std::vector<int64_t> shape) {
    return json{{"inputs",
                 {{{"name", "pixel_values"},
                   {"datatype", "FP32"},
                   {"shape", shape},
                   {"parameters", {{"binary_data_size", size}}}}}}};
  };
  BinaryBody truncated = WithBinary(header(24, {2, 3}), blob.substr(0, 20));
  ExpectInvalid(truncated.body, truncated.json_length, "only 20 bytes of binary data are left");
  BinaryBody mismatched = WithBinary(header(24, {2, 2}), blob);
  ExpectInvalid(mismatched.body, mismatched.json_length, "needs 4 * 4 bytes");
  BinaryBody extra = WithBinary(header(24, {2, 3}), blob + "xyz");
  ExpectInvalid(extra.body, extra.json_length, "3 bytes of binary data follow");
  ExpectInvalid(truncated.body, std::nullopt, "malformed JSON");  // no header: all JSON
  ExpectInvalid(truncated.body, truncated.body.size() + 1, "but the body has only");
  const std::string json_only = header(24, {2, 3}).dump();
  ExpectInvalid(json_only, std::nullopt, "no Inference-Header-Content-Length");

  const std::string cut = LengthPrefixed({"abcdef"}).substr(0, 7);
  BinaryBody bytes = WithBinary({{"inputs",
                                  {{{"name", "image"},
                                    {"datatype", "BYTES"},
                                    {"shape", {1}},
                                    {"parameters", {{"binary_data_size", cut.size()}}}}}}},
                                cut);
  ExpectInvalid(bytes.body, bytes.json_length, "declares 6 bytes but only 3 remain");
}

TEST(InferRequestParserTest, HeaderLengthIsDigitsOnly) {
  EXPECT_EQ(*ParseHeaderLength("123"), 123u);
  EXPECT_FALSE(ParseHeaderLength("").ok());
  EXPECT_FALSE(ParseHeaderLength("-1").ok());
  EXPECT_FALSE(ParseHeaderLength("12 ").ok());
  EXPECT_FALSE(ParseHeaderLength("99999999999999999999999").ok());
}

oip::InferResponse SampleResponse() {
  oip::InferResponse response;
  response.model_name = "m";
  response.model_version = "1";
  response.id = "r\"1";
  oip::OutputTensor logits;
  logits.name = "logits";
  logits.datatype = "FP32";
  logits.shape = {1, 3};
  logits.fp32 = {0.1f, -2.5f, 1e-7f};
  oip::OutputTensor classes;
  classes.name = "probabilities";
  classes.datatype = "BYTES";
  classes.shape = {1, 2};
  classes.bytes_elements = {"0.9:2:cat", "0.1:0:dog"};
  response.outputs = {logits, classes};
  return response;
}

TEST(InferResponseWriterTest, JsonFloatsReadBackExactly) {
  oip::InferRequest request;  // no outputs named, no binary_data_output: JSON
  const EncodedInferResponse encoded = WriteInferResponse(SampleResponse(), request);
  EXPECT_EQ(encoded.json_length, 0u);
  const json body = json::parse(encoded.body);
  EXPECT_EQ(body["model_name"], "m");
  EXPECT_EQ(body["model_version"], "1");
  EXPECT_EQ(body["id"], "r\"1");
  ASSERT_EQ(body["outputs"].size(), 2u);
  EXPECT_EQ(body["outputs"][0]["shape"], json({1, 3}));
  const std::vector<float> expected = {0.1f, -2.5f, 1e-7f};
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(static_cast<float>(body["outputs"][0]["data"][i].get<double>()), expected[i]);
  }
  EXPECT_EQ(body["outputs"][1]["data"], json({"0.9:2:cat", "0.1:0:dog"}));
}

TEST(InferResponseWriterTest, BinaryOutputsFollowTheHeader) {
  oip::InferRequest request;
  request.outputs = {{"logits", 0, /*binary_data=*/true}, {"probabilities", 2, true}};
  const EncodedInferResponse encoded = WriteInferResponse(SampleResponse(), request);
  ASSERT_GT(encoded.json_length, 0u);
  const json header = json::parse(encoded.body.substr(0, encoded.json_length));
  EXPECT_FALSE(header["outputs"][0].contains("data"));
  EXPECT_EQ(header["outputs"][0]["parameters"]["binary_data_size"], 12);
  const std::string classes = LengthPrefixed({"0.9:2:cat", "0.1:0:dog"});
  EXPECT_EQ(header["outputs"][1]["parameters"]["binary_data_size"], classes.size());
  const std::string blobs = encoded.body.substr(encoded.json_length);
  ASSERT_EQ(blobs.size(), 12 + classes.size());
  float floats[3];
  std::memcpy(floats, blobs.data(), 12);
  EXPECT_EQ(floats[1], -2.5f);
  EXPECT_EQ(blobs.substr(12), classes);
}

TEST(InferResponseWriterTest, BinaryDataOutputAppliesWhenNoOutputIsNamed) {
  oip::InferRequest request;
  request.binary_data_output = true;
  const EncodedInferResponse encoded = WriteInferResponse(SampleResponse(), request);
  const json header = json::parse(encoded.body.substr(0, encoded.json_length));
  EXPECT_TRUE(header["outputs"][0]["parameters"].contains("binary_data_size"));
  EXPECT_TRUE(header["outputs"][1]["parameters"].contains("binary_data_size"));
}

TEST(ApiRouteTest, PathsToEndpoints) {
  EXPECT_EQ(MatchRoute("/v2").endpoint, Endpoint::kServerMetadata);
  EXPECT_EQ(MatchRoute("/v2/").endpoint, Endpoint::kServerMetadata);
  EXPECT_TRUE(MatchRoute("/v2/health/live").open);
  EXPECT_TRUE(MatchRoute("/v2/health/ready").open);
  EXPECT_FALSE(MatchRoute("/v2/models/m").open);
  const Route infer = MatchRoute("/v2/models/vit/versions/1/infer");
  EXPECT_EQ(infer.endpoint, Endpoint::kModelInfer);
  EXPECT_STREQ(infer.method, "POST");
  EXPECT_EQ(infer.model, "vit");
  EXPECT_EQ(infer.version, "1");
  EXPECT_STREQ(infer.protocol, "oip-http");
  EXPECT_EQ(MatchRoute("/v2/models/vit").endpoint, Endpoint::kModelMetadata);
  EXPECT_EQ(MatchRoute("/v2/models/vit/versions/2").version, "2");
  EXPECT_EQ(MatchRoute("/v2/models/vit/ready").endpoint, Endpoint::kModelReady);
  EXPECT_EQ(MatchRoute("/v2/models/vit/config").endpoint, Endpoint::kModelConfig);
  EXPECT_EQ(MatchRoute("/v2/models/vit/stats").endpoint, Endpoint::kModelStats);
  EXPECT_EQ(MatchRoute("/v2/models/stats").model, "");
  const Route classify = MatchRoute("/v1/classify");
  EXPECT_EQ(classify.endpoint, Endpoint::kClassify);
  EXPECT_STREQ(classify.protocol, "http");
  EXPECT_EQ(MatchRoute("/v1/models/vit").model, "vit");
  const Route explain = MatchRoute("/v1/explain");
  EXPECT_EQ(explain.endpoint, Endpoint::kExplain);
  EXPECT_STREQ(explain.method, "POST");
  EXPECT_STREQ(explain.protocol, "http");
  EXPECT_FALSE(explain.open) << "explanations need the token like classify";
  for (const char* page : {"/", "/web/app.js", "/web/style.css", "/web/anything"}) {
    const Route route = MatchRoute(page);
    EXPECT_EQ(route.endpoint, Endpoint::kWebPage) << page;
    EXPECT_STREQ(route.method, "GET") << page;
    EXPECT_TRUE(route.open) << page << ": a browser cannot send the token when it navigates";
  }
  for (const char* unknown : {"", "/v3", "/web", "/web/", "/web/a/b", "/v1/explain/x", "/v2/models",
                              "/v2/models/vit/bogus", "/v2/models/vit/versions/1/infer/x",
                              "/v2/models//infer", "/v2/health/dead", "/v1/classify/x"}) {
    EXPECT_EQ(MatchRoute(unknown).endpoint, Endpoint::kUnknown) << unknown;
  }
}

TEST(ApiRouteTest, RepositoryPaths) {
  const Route index = MatchRoute("/v2/repository/index");
  EXPECT_EQ(index.endpoint, Endpoint::kRepositoryIndex);
  EXPECT_STREQ(index.method, "POST");
  EXPECT_STREQ(index.name, "RepositoryIndex");
  EXPECT_FALSE(index.open);
  const Route load = MatchRoute("/v2/repository/models/vit-b16/load");
  EXPECT_EQ(load.endpoint, Endpoint::kRepositoryLoad);
  EXPECT_EQ(load.model, "vit-b16");
  EXPECT_STREQ(load.name, "RepositoryModelLoad");
  const Route unload = MatchRoute("/v2/repository/models/vit-b16/unload/");
  EXPECT_EQ(unload.endpoint, Endpoint::kRepositoryUnload);
  EXPECT_STREQ(unload.protocol, "oip-http");
  for (const char* unknown : {"/v2/repository", "/v2/repository/models", "/v2/repository/models/m",
                              "/v2/repository/models//load", "/v2/repository/models/m/reload",
                              "/v2/repository/index/x", "/v2/repository/models/m/load/x"}) {
    EXPECT_EQ(MatchRoute(unknown).endpoint, Endpoint::kUnknown) << unknown;
  }
}

TEST(RepositoryDocumentsTest, IndexRequestAndAnswer) {
  EXPECT_FALSE(*ParseIndexRequest(""));
  EXPECT_FALSE(*ParseIndexRequest(" {} "));
  EXPECT_TRUE(*ParseIndexRequest(R"({"ready": true})"));
  for (const char* bad : {"{", "[]", "true", R"({"ready": 1})", R"({"repository": "x"})"}) {
    EXPECT_EQ(ParseIndexRequest(bad).status().code(), StatusCode::kInvalidArgument) << bad;
  }
  EXPECT_EQ(ParseIndexRequest(std::string(kMaxRepositoryBodyBytes + 1, ' ')).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(RepositoryIndexJson({}), "[]");
  const nlohmann::json index = nlohmann::json::parse(RepositoryIndexJson(
      {{"m", "2", "READY", "", true}, {"m", "3", "UNAVAILABLE", "bad", false}}));
  EXPECT_EQ(index, nlohmann::json::parse(R"([{"name": "m", "version": "2", "state": "READY",
      "reason": ""}, {"name": "m", "version": "3", "state": "UNAVAILABLE", "reason": "bad"}])"));
}

TEST(RepositoryDocumentsTest, ControlParametersAreNamed) {
  EXPECT_TRUE(ParseControlParameters("")->empty());
  EXPECT_EQ(*ParseControlParameters(R"({"parameters": {"b": 1, "a": true}})"),
            (std::vector<std::string>{"a", "b"}));
  for (const char* bad : {"[", R"({"parameters": []})", R"({"name": "m"})"}) {
    EXPECT_EQ(ParseControlParameters(bad).status().code(), StatusCode::kInvalidArgument) << bad;
  }
}

TEST(HttpStatusTest, TritonsChoices) {
  EXPECT_EQ(HttpStatusFor(StatusCode::kInvalidArgument), 400);
  EXPECT_EQ(HttpStatusFor(StatusCode::kNotFound), 404);
  EXPECT_EQ(HttpStatusFor(StatusCode::kUnauthenticated), 401);
  EXPECT_EQ(HttpStatusFor(StatusCode::kResourceExhausted), 503);
  EXPECT_EQ(HttpStatusFor(StatusCode::kUnavailable), 503);
  EXPECT_EQ(HttpStatusFor(StatusCode::kUnimplemented), 501);
  EXPECT_EQ(HttpStatusFor(StatusCode::kInternal), 500);
}

TEST(OipDocumentsTest, ConfigAndStatisticsInTritonsShape) {
  oip::ModelConfig config;
  config.name = "vit";
  config.platform = "vit-serve";
  config.backend = "fast";
  config.max_batch_size = 8;
  config.inputs = {{"image", "BYTES", {1}}, {"pixel_values", "FP32", {3, 224, 224}}};
  config.outputs = {{"probabilities", "FP32", {10}}};
  config.preferred_batch_sizes = {4, 8};
  config.max_queue_delay_microseconds = 500;
  const json document = json::parse(ModelConfigJson(config));
  EXPECT_EQ(document["max_batch_size"], 8);
  EXPECT_EQ(document["input"][0]["data_type"], "TYPE_STRING");
  EXPECT_EQ(document["input"][1]["data_type"], "TYPE_FP32");
  EXPECT_EQ(document["input"][1]["dims"], json({3, 224, 224}));
  EXPECT_EQ(document["dynamic_batching"]["preferred_batch_size"], json({4, 8}));
  EXPECT_EQ(document["dynamic_batching"]["max_queue_delay_microseconds"], 500);

  ModelStatisticsSnapshot stats;
  stats.inference_count = 9;
  stats.success = {3, 3000};
  stats.batches[8].compute_infer = {1, 700};
  const json statistics = json::parse(ModelStatisticsJson("vit", "1", stats));
  const json& model = statistics["model_stats"][0];
  EXPECT_EQ(model["name"], "vit");
  EXPECT_EQ(model["version"], "1");
  EXPECT_EQ(model["inference_count"], 9);
  EXPECT_EQ(model["inference_stats"]["success"], json({{"count", 3}, {"ns", 3000}}));
  EXPECT_EQ(model["batch_stats"][0]["batch_size"], 8);
  EXPECT_EQ(model["batch_stats"][0]["compute_infer"]["ns"], 700);
}

}  // namespace
}  // namespace vit::server::http_api
