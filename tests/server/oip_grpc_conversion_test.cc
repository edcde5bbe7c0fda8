// inference.ModelInferRequest / Response <-> oip::InferRequest / Response:
// typed and raw contents, the raw BYTES framing, classification parameters,
// and the encoding errors that never reach the runner.
#include "server/oip/grpc_tensor_conversion.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

namespace vit::server::oip {
namespace {

using InputProto = inference::ModelInferRequest::InferInputTensor;

std::string RawFloats(const std::vector<float>& values) {
  return std::string(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(float));
}

std::vector<float> ReadFloats(const InputTensor& tensor) {
  std::vector<float> values(tensor.fp32_count);
  std::memcpy(values.data(), tensor.fp32, values.size() * sizeof(float));
  return values;
}

InputProto* AddInput(inference::ModelInferRequest* request, const std::string& name,
                     const std::string& datatype, std::vector<int64_t> shape) {
  InputProto* input = request->add_inputs();
  input->set_name(name);
  input->set_datatype(datatype);
  for (int64_t dim : shape) input->add_shape(dim);
  return input;
}

TEST(RawBytesTest, SplitsWhatJoinWrote) {
  const std::vector<std::string> elements = {"jpeg", "", std::string("a\0b", 3)};
  const std::string raw = JoinRawBytes(elements);
  EXPECT_EQ(raw.size(), 3 * 4 + 4 + 0 + 3);
  EXPECT_EQ(raw.substr(0, 4), std::string("\x04\0\0\0", 4));  // little-endian length
  StatusOr<std::vector<std::string_view>> split = SplitRawBytes(raw, "image");
  ASSERT_TRUE(split.ok()) << split.status().ToString();
  ASSERT_EQ(split->size(), 3u);
  for (size_t i = 0; i < elements.size(); ++i) EXPECT_EQ((*split)[i], elements[i]);
  EXPECT_TRUE(SplitRawBytes("", "image")->empty());
}

TEST(RawBytesTest, TruncatedBuffersAreInvalidArgumentNamingTheTensor) {
  const std::string raw = JoinRawBytes({"abcdef"});
  for (size_t size : {1, 3, 5, 9}) {
    StatusOr<std::vector<std::string_view>> split = SplitRawBytes(raw.substr(0, size), "image");
    ASSERT_FALSE(split.ok()) << size;
    EXPECT_EQ(split.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(split.status().message().find("'image'"), std::string::npos);
  }
  // A length that would wrap a 32-bit offset.
  StatusOr<std::vector<std::string_view>> huge =
      SplitRawBytes(std::string("\xff\xff\xff\xff", 4) + "x", "image");
  EXPECT_EQ(huge.status().code(), StatusCode::kInvalidArgument);
}

TEST(FromGrpcRequestTest, TypedContentsAreViewsIntoTheMessage) {
  inference::ModelInferRequest proto;
  proto.set_model_name("m");
  proto.set_model_version("1");
  proto.set_id("req-7");
  InputProto* image = AddInput(&proto, "image", "BYTES", {2, 1});
  image->mutable_contents()->add_bytes_contents("first");
  image->mutable_contents()->add_bytes_contents("second");
  InputProto* pixels = AddInput(&proto, "pixel_values", "FP32", {1, 3});
  for (float v : {0.5f, -1.f, 2.f}) pixels->mutable_contents()->add_fp32_contents(v);

  InferRequest request;
  ASSERT_TRUE(FromGrpcRequest(proto, &request).ok());
  EXPECT_EQ(request.model_name, "m");
  EXPECT_EQ(request.model_version, "1");
  EXPECT_EQ(request.id, "req-7");
  ASSERT_EQ(request.inputs.size(), 2u);
  EXPECT_EQ(request.inputs[0].shape, (std::vector<int64_t>{2, 1}));
  ASSERT_EQ(request.inputs[0].bytes_elements.size(), 2u);
  EXPECT_EQ(request.inputs[0].bytes_elements[1], "second");
  EXPECT_EQ(request.inputs[0].bytes_elements[0].data(),
            proto.inputs(0).contents().bytes_contents(0).data());
  EXPECT_EQ(ReadFloats(request.inputs[1]), (std::vector<float>{0.5f, -1.f, 2.f}));
  EXPECT_TRUE(request.outputs.empty());
  EXPECT_FALSE(UsesRawContents(proto));
}

TEST(FromGrpcRequestTest, RawContentsAreSplitPerInput) {
  inference::ModelInferRequest proto;
  AddInput(&proto, "image", "BYTES", {2});
  AddInput(&proto, "pixel_values", "FP32", {2});
  proto.add_raw_input_contents(JoinRawBytes({"x", "yz"}));
  proto.add_raw_input_contents(RawFloats({1.5f, 3.f}));
  InferRequest request;
  ASSERT_TRUE(FromGrpcRequest(proto, &request).ok());
  EXPECT_TRUE(UsesRawContents(proto));
  ASSERT_EQ(request.inputs[0].bytes_elements.size(), 2u);
  EXPECT_EQ(request.inputs[0].bytes_elements[1], "yz");
  EXPECT_EQ(ReadFloats(request.inputs[1]), (std::vector<float>{1.5f, 3.f}));
}

TEST(FromGrpcRequestTest, OtherDatatypesPassWithoutDataForTheRunnerToName) {
  inference::ModelInferRequest proto;
  AddInput(&proto, "image", "INT32", {1})->mutable_contents()->add_int_contents(3);
  InferRequest request;
  ASSERT_TRUE(FromGrpcRequest(proto, &request).ok());
  EXPECT_EQ(request.inputs[0].datatype, "INT32");
  EXPECT_TRUE(request.inputs[0].bytes_elements.empty());
  EXPECT_EQ(request.inputs[0].fp32_count, 0u);
}

TEST(FromGrpcRequestTest, EncodingErrorsAreInvalidArgument) {
  struct Case {
    const char* what;
    inference::ModelInferRequest proto;
    const char* message_part;
  };
  std::vector<Case> cases;
  {
    Case c{"raw contents for one of two inputs", {}, "one per input"};
    AddInput(&c.proto, "image", "BYTES", {1});
    AddInput(&c.proto, "pixel_values", "FP32", {1});
    c.proto.add_raw_input_contents(JoinRawBytes({"x"}));
    cases.push_back(c);
  }
  {
    Case c{"raw and typed mixed", {}, "send every input one way"};
    AddInput(&c.proto, "image", "BYTES", {1})->mutable_contents()->add_bytes_contents("x");
    c.proto.add_raw_input_contents(JoinRawBytes({"x"}));
    cases.push_back(c);
  }
  {
    Case c{"FP32 data in bytes_contents", {}, "fp32_contents"};
    AddInput(&c.proto, "pixel_values", "FP32", {1})->mutable_contents()->add_bytes_contents("x");
    cases.push_back(c);
  }
  {
    Case c{"raw FP32 not a multiple of 4 bytes", {}, "4 bytes each"};
    AddInput(&c.proto, "pixel_values", "FP32", {1});
    c.proto.add_raw_input_contents("abcde");
    cases.push_back(c);
  }
  {
    Case c{"truncated raw BYTES", {}, "'image'"};
    AddInput(&c.proto, "image", "BYTES", {1});
    c.proto.add_raw_input_contents(JoinRawBytes({"abc"}).substr(0, 6));
    cases.push_back(c);
  }
  for (const auto& [param, value] : std::vector<std::pair<const char*, std::string>>{
           {"int64", "0"}, {"int64", "-2"}, {"string", "3x"}, {"string", ""}, {"bool", "1"}}) {
    Case c{"bad classification", {}, "classification"};
    AddInput(&c.proto, "image", "BYTES", {1})->mutable_contents()->add_bytes_contents("x");
    auto& parameter = (*c.proto.add_outputs()->mutable_parameters())["classification"];
    if (std::string(param) == "int64") parameter.set_int64_param(std::stoll(value));
    if (std::string(param) == "string") parameter.set_string_param(value);
    if (std::string(param) == "bool") parameter.set_bool_param(true);
    cases.push_back(c);
  }
  for (const Case& c : cases) {
    InferRequest request;
    Status status = FromGrpcRequest(c.proto, &request);
    EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << c.what;
    EXPECT_NE(status.message().find(c.message_part), std::string::npos)
        << c.what << ": " << status.message();
  }
}

TEST(FromGrpcRequestTest, ClassificationTakesIntegersAndDecimalStrings) {
  inference::ModelInferRequest proto;
  auto* by_int = proto.add_outputs();
  by_int->set_name("probabilities");
  (*by_int->mutable_parameters())["classification"].set_int64_param(3);
  auto* by_string = proto.add_outputs();
  by_string->set_name("logits");
  (*by_string->mutable_parameters())["classification"].set_string_param("12");
  proto.add_outputs()->set_name("embedding");
  InferRequest request;
  ASSERT_TRUE(FromGrpcRequest(proto, &request).ok());
  ASSERT_EQ(request.outputs.size(), 3u);
  EXPECT_EQ(request.outputs[0].classification, 3);
  EXPECT_EQ(request.outputs[1].classification, 12);
  EXPECT_EQ(request.outputs[2].name, "embedding");
  EXPECT_EQ(request.outputs[2].classification, 0);
}

InferResponse SampleResponse() {
  InferResponse response;
  response.model_name = "m";
  response.model_version = "1";
  response.id = "r";
  OutputTensor probabilities;
  probabilities.name = "probabilities";
  probabilities.datatype = "FP32";
  probabilities.shape = {1, 2};
  probabilities.fp32 = {0.25f, 0.75f};
  OutputTensor classes;
  classes.name = "logits";
  classes.datatype = "BYTES";
  classes.shape = {1, 1};
  classes.bytes_elements = {"2.5:1:shirt"};
  response.outputs = {probabilities, classes};
  return response;
}

TEST(ToGrpcResponseTest, TypedContents) {
  inference::ModelInferResponse proto;
  ToGrpcResponse(SampleResponse(), /*raw=*/false, &proto);
  EXPECT_EQ(proto.model_name(), "m");
  EXPECT_EQ(proto.model_version(), "1");
  EXPECT_EQ(proto.id(), "r");
  EXPECT_EQ(proto.raw_output_contents_size(), 0);
  ASSERT_EQ(proto.outputs_size(), 2);
  EXPECT_EQ(proto.outputs(0).name(), "probabilities");
  EXPECT_EQ(proto.outputs(0).datatype(), "FP32");
  EXPECT_EQ(std::vector<int64_t>(proto.outputs(0).shape().begin(), proto.outputs(0).shape().end()),
            (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(std::vector<float>(proto.outputs(0).contents().fp32_contents().begin(),
                               proto.outputs(0).contents().fp32_contents().end()),
            (std::vector<float>{0.25f, 0.75f}));
  ASSERT_EQ(proto.outputs(1).contents().bytes_contents_size(), 1);
  EXPECT_EQ(proto.outputs(1).contents().bytes_contents(0), "2.5:1:shirt");
}

TEST(ToGrpcResponseTest, RawContentsInOutputOrder) {
  inference::ModelInferResponse proto;
  ToGrpcResponse(SampleResponse(), /*raw=*/true, &proto);
  ASSERT_EQ(proto.outputs_size(), 2);
  EXPECT_FALSE(proto.outputs(0).has_contents());
  EXPECT_FALSE(proto.outputs(1).has_contents());
  ASSERT_EQ(proto.raw_output_contents_size(), 2);
  EXPECT_EQ(proto.raw_output_contents(0), RawFloats({0.25f, 0.75f}));
  EXPECT_EQ(proto.raw_output_contents(1), JoinRawBytes({"2.5:1:shirt"}));
}

}  // namespace
}  // namespace vit::server::oip
