// vit-client's Open Inference Protocol requests and answers, with canned
// messages and bytes (no server): BYTES serialization, classification
// strings, the gRPC ModelInfer request / response and the HTTP binary-data
// body, addresses and error bodies.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tools/vit-client/front_door.h"
#include "tools/vit-client/model_rows.h"
#include "tools/vit-client/oip_grpc_codec.h"
#include "tools/vit-client/oip_http_codec.h"
#include "tools/vit-client/oip_wire.h"

namespace vit::client::oip {
namespace {

using nlohmann::json;

// A 4-byte little-endian length, as the binary BYTES form writes it.
std::string Le32(uint32_t n) {
  return std::string{static_cast<char>(n & 0xff), static_cast<char>((n >> 8) & 0xff),
                     static_cast<char>((n >> 16) & 0xff), static_cast<char>((n >> 24) & 0xff)};
}

TEST(OipWireTest, BytesElementIsLittleEndianLengthThenBytes) {
  EXPECT_EQ(BytesLengthPrefix(0x01020304), std::string("\x04\x03\x02\x01", 4));
  EXPECT_EQ(EncodeBytesElement("abc"), std::string("\x03\x00\x00\x00"
                                                   "abc",
                                                   7));
  EXPECT_EQ(EncodeBytesElement(""), std::string(4, '\0'));
  const std::string big(300, 'x');
  EXPECT_EQ(EncodeBytesElement(big).substr(0, 4), std::string("\x2c\x01\x00\x00", 4));
}

TEST(OipWireTest, SplitsBytesElementsAndChecksTheCount) {
  const std::string data = Le32(2) + "hi" + Le32(0) + Le32(3) + "abc";
  StatusOr<std::vector<std::string>> elements = SplitBytesElements(data, 3);
  ASSERT_TRUE(elements.ok()) << elements.status().message();
  EXPECT_EQ(*elements, (std::vector<std::string>{"hi", "", "abc"}));
  EXPECT_TRUE(SplitBytesElements(data, -1).ok());
  EXPECT_EQ(SplitBytesElements(data, 2).status().code(), StatusCode::kDataLoss);
}

TEST(OipWireTest, TruncatedBytesDataIsDataLoss) {
  EXPECT_EQ(SplitBytesElements(Le32(5) + "abc", -1).status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(SplitBytesElements(std::string("\x01\x00", 2), -1).status().code(),
            StatusCode::kDataLoss);
  const StatusOr<std::vector<std::string>> huge = SplitBytesElements(Le32(0xffffffffu) + "x", -1);
  EXPECT_EQ(huge.status().code(), StatusCode::kDataLoss);
}

TEST(OipWireTest, ParsesClassificationEntries) {
  StatusOr<Prediction> p = ParseClassificationEntry("0.912345:3:Dress");
  ASSERT_TRUE(p.ok()) << p.status().message();
  EXPECT_FLOAT_EQ(p->probability, 0.912345f);
  EXPECT_EQ(p->class_index, 3);
  EXPECT_EQ(p->label, "Dress");
  // The label is everything after the second colon.
  p = ParseClassificationEntry("0.5:17:time: 12:00");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->class_index, 17);
  EXPECT_EQ(p->label, "time: 12:00");
  // Triton leaves the label out when the model has none.
  p = ParseClassificationEntry("1.5e-07:999");
  ASSERT_TRUE(p.ok());
  EXPECT_FLOAT_EQ(p->probability, 1.5e-07f);
  EXPECT_EQ(p->class_index, 999);
  EXPECT_EQ(p->label, "");
}

TEST(OipWireTest, MalformedClassificationEntriesAreDataLoss) {
  for (const char* entry :
       {"", "0.5", "x:1:a", ":1:a", "0.5::a", "0.5:-1:a", "0.5:1x:a", "0.5 :1:a"}) {
    const StatusOr<Prediction> p = ParseClassificationEntry(entry);
    EXPECT_EQ(p.status().code(), StatusCode::kDataLoss) << "'" << entry << "'";
  }
}

TEST(OipWireTest, OnlyModelWantsExactlyOneName) {
  EXPECT_EQ(*OnlyModel({"vit"}), "vit");
  EXPECT_EQ(*OnlyModel({"vit", "vit"}), "vit");  // two versions of one model
  const Status none = OnlyModel({}).status();
  EXPECT_EQ(none.code(), StatusCode::kNotFound);
  EXPECT_NE(none.message().find("--model"), std::string::npos) << none.message();
  const Status two = OnlyModel({"a", "b"}).status();
  EXPECT_EQ(two.code(), StatusCode::kNotFound);
  EXPECT_NE(two.message().find("a, b"), std::string::npos) << two.message();
}

TEST(OipWireTest, InfoTextReadsProtobufAndRestJson) {
  const json info = {
      {"server", {{"name", "vit-serve"}, {"version", "0.1"}, {"extensions", {"classification"}}}},
      {"metadata",
       {{"name", "m"},
        {"versions", {"1"}},
        {"platform", "vit-serve"},
        {"inputs", {{{"name", "image"}, {"datatype", "BYTES"}, {"shape", {"-1", "1"}}}}},
        {"outputs", {{{"name", "logits"}, {"datatype", "FP32"}, {"shape", {-1, 10}}}}}}},
      {"config",
       {{"max_batch_size", 8},
        {"dynamic_batching",
         {{"max_queue_delay_microseconds", "500"}, {"preferred_batch_size", {4, 8}}}}}}};
  const std::string text = InfoText(info);
  EXPECT_NE(text.find("server       vit-serve 0.1 (extensions: classification)"), std::string::npos)
      << text;
  EXPECT_NE(text.find("input        image BYTES [-1, 1]"), std::string::npos) << text;
  EXPECT_NE(text.find("output       logits FP32 [-1, 10]"), std::string::npos) << text;
  EXPECT_NE(text.find("batching     max 8, dynamic (delay 500 us, preferred 4, 8)"),
            std::string::npos)
      << text;
  // A field of an unexpected type is described, not thrown.
  EXPECT_NE(InfoText({{"metadata", {{"name", "m"}, {"inputs", {{{"shape", 3}}}}}}}).size(), 0u);
  EXPECT_NO_THROW(InfoText({{"server", 5}}));
}

TEST(OipGrpcCodecTest, ClassifyRequestSendsTheImageAsRawBytesAndAsksClassification) {
  const inference::ModelInferRequest request = BuildClassifyRequest("vit-small", "JPEGDATA", 3);
  EXPECT_EQ(request.model_name(), "vit-small");
  ASSERT_EQ(request.inputs_size(), 1);
  EXPECT_EQ(request.inputs(0).name(), "image");
  EXPECT_EQ(request.inputs(0).datatype(), "BYTES");
  EXPECT_EQ(
      std::vector<int64_t>(request.inputs(0).shape().begin(), request.inputs(0).shape().end()),
      (std::vector<int64_t>{1, 1}));
  EXPECT_FALSE(request.inputs(0).has_contents());
  ASSERT_EQ(request.raw_input_contents_size(), 1);
  EXPECT_EQ(request.raw_input_contents(0), Le32(8) + "JPEGDATA");
  ASSERT_EQ(request.outputs_size(), 1);
  EXPECT_EQ(request.outputs(0).name(), "probabilities");
  EXPECT_EQ(request.outputs(0).parameters().at("classification").int64_param(), 3);
  // top_k 0: vit.v1's "server default" does not exist in OIP.
  EXPECT_EQ(
      BuildClassifyRequest("m", "x", 0).outputs(0).parameters().at("classification").int64_param(),
      kDefaultTopK);
}

inference::ModelInferResponse ClassificationResponse(bool raw) {
  inference::ModelInferResponse response;
  response.set_model_name("vit-small");
  // An output before the one asked, to check that raw contents go by position.
  auto* logits = response.add_outputs();
  logits->set_name("logits");
  logits->set_datatype("FP32");
  logits->add_shape(1);
  logits->add_shape(1);
  auto* out = response.add_outputs();
  out->set_name("probabilities");
  out->set_datatype("BYTES");
  out->add_shape(1);
  out->add_shape(2);
  const std::vector<std::string> entries = {"0.750000:4:Coat", "0.125000:2:Pullover"};
  if (raw) {
    response.add_raw_output_contents(std::string(4, '\0'));
    response.add_raw_output_contents(EncodeBytesElement(entries[0]) +
                                     EncodeBytesElement(entries[1]));
  } else {
    logits->mutable_contents()->add_fp32_contents(1.0f);
    for (const std::string& e : entries) out->mutable_contents()->add_bytes_contents(e);
  }
  return response;
}

TEST(OipGrpcCodecTest, ParsesRawAndTypedClassificationOutputs) {
  for (bool raw : {true, false}) {
    StatusOr<ClassifyResult> result = ParseClassifyResponse(ClassificationResponse(raw));
    ASSERT_TRUE(result.ok()) << raw << ": " << result.status().message();
    EXPECT_EQ(result->model_id, "vit-small");
    ASSERT_EQ(result->predictions.size(), 2u);
    EXPECT_EQ(result->predictions[0].class_index, 4);
    EXPECT_EQ(result->predictions[0].label, "Coat");
    EXPECT_FLOAT_EQ(result->predictions[0].probability, 0.75f);
    EXPECT_EQ(result->predictions[1].label, "Pullover");
    EXPECT_FALSE(result->timings.has_value());
  }
}

TEST(OipGrpcCodecTest, BadClassificationResponsesAreDataLoss) {
  inference::ModelInferResponse missing = ClassificationResponse(true);
  missing.mutable_outputs(1)->set_name("embedding");
  EXPECT_EQ(ParseClassifyResponse(missing).status().code(), StatusCode::kDataLoss);

  inference::ModelInferResponse fp32 = ClassificationResponse(true);
  fp32.mutable_outputs(1)->set_datatype("FP32");
  EXPECT_EQ(ParseClassifyResponse(fp32).status().code(), StatusCode::kDataLoss);

  inference::ModelInferResponse short_raw = ClassificationResponse(true);
  short_raw.mutable_raw_output_contents()->RemoveLast();  // raw for output 0 only
  EXPECT_EQ(ParseClassifyResponse(short_raw).status().code(), StatusCode::kDataLoss);

  inference::ModelInferResponse wrong_count = ClassificationResponse(false);
  wrong_count.mutable_outputs(1)->set_shape(1, 3);
  EXPECT_EQ(ParseClassifyResponse(wrong_count).status().code(), StatusCode::kDataLoss);

  inference::ModelInferResponse bad_entry = ClassificationResponse(false);
  bad_entry.mutable_outputs(1)->mutable_contents()->set_bytes_contents(0, "not-a-score");
  EXPECT_EQ(ParseClassifyResponse(bad_entry).status().code(), StatusCode::kDataLoss);
}

TEST(OipGrpcCodecTest, StatisticsListTheModelNames) {
  inference::ModelStatisticsResponse response;
  response.add_model_stats()->set_name("a");
  response.add_model_stats()->set_name("b");
  EXPECT_EQ(StatisticsModelNames(response), (std::vector<std::string>{"a", "b"}));
}

TEST(OipHttpCodecTest, ClassifyBodyIsTheJsonHeaderThenTheImageAsOneBytesElement) {
  const InferBodyHead head = BuildClassifyBodyHead(/*image_size=*/3, /*top_k=*/3);
  // The exact bytes: nlohmann::json writes keys sorted, so this is stable.
  const std::string header =
      R"({"inputs":[{"datatype":"BYTES","name":"image","parameters":{"binary_data_size":7},)"
      R"("shape":[1,1]}],"outputs":[{"name":"probabilities","parameters":{"binary_data":true,)"
      R"("classification":3}}]})";
  EXPECT_EQ(head.json, header);
  EXPECT_EQ(head.length_prefix, Le32(3));
  EXPECT_EQ(head.json + head.length_prefix + "abc", header + EncodeBytesElement("abc"));
  EXPECT_EQ(BuildClassifyBodyHead(70000, 1).length_prefix, Le32(70000));
  EXPECT_EQ(
      json::parse(BuildClassifyBodyHead(1, 0).json)["outputs"][0]["parameters"]["classification"],
      kDefaultTopK);
}

TEST(OipHttpCodecTest, ParsesABinaryClassificationAnswer) {
  const std::string entries =
      EncodeBytesElement("0.600000:1:Trouser") + EncodeBytesElement("0.300000:0:T-shirt/top");
  // Triton's answer: one binary output; a JSON-only output before it.
  const std::string header = R"({"model_name":"vit","model_version":"1","outputs":[)"
                             R"({"name":"logits","datatype":"FP32","shape":[1,1],"data":[2.5]},)"
                             R"({"name":"probabilities","datatype":"BYTES","shape":[1,2],)"
                             R"("parameters":{"binary_data_size":)" +
                             std::to_string(entries.size()) + "}}]}";
  StatusOr<ClassifyResult> result = ParseClassifyBody(header + entries, header.size());
  ASSERT_TRUE(result.ok()) << result.status().message();
  EXPECT_EQ(result->model_id, "vit");
  ASSERT_EQ(result->predictions.size(), 2u);
  EXPECT_EQ(result->predictions[0].class_index, 1);
  EXPECT_EQ(result->predictions[0].label, "Trouser");
  EXPECT_FLOAT_EQ(result->predictions[1].probability, 0.3f);
  EXPECT_EQ(result->predictions[1].label, "T-shirt/top");
}

TEST(OipHttpCodecTest, ParsesAJsonClassificationAnswerFlatOrNested) {
  for (const char* data :
       {R"(["0.9:2:Pullover","0.1:6:Shirt"])", R"([["0.9:2:Pullover","0.1:6:Shirt"]])"}) {
    const std::string body =
        std::string(R"({"outputs":[{"name":"probabilities","datatype":"BYTES","shape":[1,2],)") +
        R"("data":)" + data + "}]}";
    StatusOr<ClassifyResult> result = ParseClassifyBody(body, 0);
    ASSERT_TRUE(result.ok()) << data << ": " << result.status().message();
    ASSERT_EQ(result->predictions.size(), 2u);
    EXPECT_EQ(result->predictions[1].class_index, 6);
  }
}

TEST(OipHttpCodecTest, BadAnswersAreDataLoss) {
  const std::string entry = EncodeBytesElement("0.5:1:a");
  const std::string header = R"({"outputs":[{"name":"probabilities","datatype":"BYTES",)"
                             R"("shape":[1,1],"parameters":{"binary_data_size":)" +
                             std::to_string(entry.size()) + "}}]}";
  const std::vector<std::pair<std::string, size_t>> cases = {
      {"not json", 0},
      {R"({"outputs":5})", 0},
      {header + entry, header.size() + entry.size() + 1},  // header length past the end
      {header + entry.substr(0, 6), header.size()},        // binary part truncated
      {header + entry + "extra", header.size()},           // bytes after the outputs
      {R"({"outputs":[{"name":"logits","datatype":"FP32","shape":[1],"data":[1]}]})", 0},
      {R"({"outputs":[{"name":"probabilities","datatype":"FP32","shape":[1],"data":[1]}]})", 0},
      {R"({"outputs":[{"name":"probabilities","datatype":"BYTES","shape":[1,2],"data":["0.5:1"]}]})",
       0},
      {R"({"outputs":[{"name":7}]})", 0},  // a field of the wrong JSON type
  };
  for (const auto& [body, length] : cases) {
    const StatusOr<ClassifyResult> result = ParseClassifyBody(body, length);
    EXPECT_EQ(result.status().code(), StatusCode::kDataLoss) << body;
  }
}

TEST(OipHttpCodecTest, ErrorMessageReadsTheErrorObject) {
  EXPECT_EQ(ErrorMessage(R"({"error":"unknown model 'x'"})"), "unknown model 'x'");
  EXPECT_EQ(ErrorMessage("plain text\n"), "plain text");
  EXPECT_EQ(ErrorMessage(std::string(500, 'e')).size(), 200u);
}

TEST(OipHttpCodecTest, BaseUrlFromHostPortOrUrl) {
  bool tls = false;
  EXPECT_EQ(*HttpBaseUrl("localhost:8000", &tls), "http://localhost:8000");
  EXPECT_FALSE(tls);
  EXPECT_EQ(*HttpBaseUrl("https://example.com:8443/", &tls), "https://example.com:8443");
  EXPECT_TRUE(tls);
  tls = true;  // --tls with HOST:PORT
  EXPECT_EQ(*HttpBaseUrl("127.0.0.1:8443", &tls), "https://127.0.0.1:8443");
  tls = false;
  EXPECT_EQ(*HttpBaseUrl("http://[::1]:8000", &tls), "http://[::1]:8000");
  for (const char* bad : {"ftp://h:1", "h:1/v2", "", "http://"}) {
    tls = false;
    EXPECT_EQ(HttpBaseUrl(bad, &tls).status().code(), StatusCode::kInvalidArgument) << bad;
  }
  tls = true;
  EXPECT_EQ(HttpBaseUrl("http://h:1", &tls).status().code(), StatusCode::kInvalidArgument);
}

TEST(OipHttpCodecTest, ModelPathEncodesTheName) {
  EXPECT_EQ(ModelPath("vit_small-1.0", "/infer"), "/v2/models/vit_small-1.0/infer");
  EXPECT_EQ(ModelPath("a b/c"), "/v2/models/a%20b%2Fc");
}

TEST(OipHttpCodecTest, StatisticsListTheModelNames) {
  EXPECT_EQ(*StatisticsModelNames(R"({"model_stats":[{"name":"m","version":"1"}]})"),
            (std::vector<std::string>{"m"}));
  EXPECT_EQ(StatisticsModelNames(R"({"stats":[]})").status().code(), StatusCode::kDataLoss);
}

TEST(FrontDoorTest, ProtocolNamesRoundTrip) {
  for (Protocol p : {Protocol::kVit, Protocol::kOipGrpc, Protocol::kOipHttp})
    EXPECT_EQ(*ParseProtocol(ProtocolName(p)), p);
  EXPECT_EQ(ParseProtocol("grpc").status().code(), StatusCode::kInvalidArgument);
  EXPECT_STREQ(DefaultServerAddress(Protocol::kOipHttp), "localhost:8000");
  EXPECT_STREQ(DefaultServerAddress(Protocol::kOipGrpc), "localhost:50051");
}

TEST(FrontDoorTest, HttpStatusesMapToGrpcCodes) {
  using grpc::StatusCode;
  EXPECT_EQ(HttpStatusToGrpcCode(200), StatusCode::OK);
  EXPECT_EQ(HttpStatusToGrpcCode(400), StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(HttpStatusToGrpcCode(401), StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(HttpStatusToGrpcCode(404), StatusCode::NOT_FOUND);
  EXPECT_EQ(HttpStatusToGrpcCode(413), StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(HttpStatusToGrpcCode(429), StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(HttpStatusToGrpcCode(503), StatusCode::UNAVAILABLE);
  EXPECT_EQ(HttpStatusToGrpcCode(504), StatusCode::DEADLINE_EXCEEDED);
  EXPECT_EQ(HttpStatusToGrpcCode(418), StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(HttpStatusToGrpcCode(502), StatusCode::INTERNAL);
  EXPECT_EQ(HttpStatusToGrpcCode(302), StatusCode::UNKNOWN);
}

TEST(ModelRowsTest, HttpIndexWithTritonsOptionalFields) {
  StatusOr<std::vector<ModelRow>> rows =
      RowsFromIndexJson(R"([{"name": "a", "version": "1", "state": "READY"}, {"name": "b"}])");
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[0].state, "READY");
  EXPECT_EQ((*rows)[0].reason, "");
  EXPECT_EQ((*rows)[1].name, "b");
  EXPECT_FALSE((*rows)[1].default_version.has_value());
  for (const char* bad : {"{}", "[1]", R"([{"name": 3}])", R"([{"version": "1"}])", "nope"}) {
    EXPECT_EQ(RowsFromIndexJson(bad).status().code(), vit::StatusCode::kDataLoss) << bad;
  }
}

TEST(ModelRowsTest, TableMarksTheDefaults) {
  v1::ListModelsResponse response;
  response.set_default_model("alpha");
  v1::ListedModel* alpha = response.add_models();
  alpha->set_name("alpha");
  alpha->set_is_default_model(true);
  auto* old = alpha->add_versions();
  old->set_version("1");
  old->set_state("UNAVAILABLE");
  old->set_reason("unloaded");
  auto* current = alpha->add_versions();
  current->set_version("2");
  current->set_state("READY");
  current->set_is_default(true);
  v1::ListedModel* beta = response.add_models();
  beta->set_name("beta-long-name");
  auto* only = beta->add_versions();
  only->set_version("1");
  only->set_state("READY");
  only->set_is_default(true);
  const std::vector<ModelRow> rows = RowsFromListModels(response);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(ModelTable(rows),
            "NAME            VERSION  STATE        DEFAULT  REASON\n"
            "alpha           1        UNAVAILABLE           unloaded\n"
            "alpha           2        READY        model\n"
            "beta-long-name  1        READY        yes\n");
  EXPECT_EQ(ModelTable({}), "no models\n");
  const nlohmann::json json = ModelRowsJson(rows);
  EXPECT_EQ(json[1]["default_model"], true);
  EXPECT_EQ(json[2]["default_model"], false);
  EXPECT_EQ(json[0]["reason"], "unloaded");
  inference::RepositoryIndexResponse index;
  index.add_models()->set_name("alpha");
  const std::string oip_table = ModelTable(RowsFromRepositoryIndex(index));
  EXPECT_EQ(oip_table.substr(oip_table.size() - 4), "  -\n") << oip_table;  // OIP does not say
}

}  // namespace
}  // namespace vit::client::oip
