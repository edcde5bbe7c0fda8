#include "server/oip/grpc_tensor_conversion.h"

#include <charconv>
#include <climits>
#include <cstdint>
#include <cstring>

namespace vit::server::oip {
namespace {

// Raw contents are little-endian, and FP32 ones are read in place.
static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "raw tensor contents are little-endian");

constexpr const char* kClassificationParameter = "classification";

using InputProto = inference::ModelInferRequest::InferInputTensor;

// The names of the typed-content fields that hold data, for error messages.
std::vector<const char*> FilledContentFields(const inference::InferTensorContents& contents) {
  std::vector<const char*> fields;
  if (contents.bool_contents_size() > 0) fields.push_back("bool_contents");
  if (contents.int_contents_size() > 0) fields.push_back("int_contents");
  if (contents.int64_contents_size() > 0) fields.push_back("int64_contents");
  if (contents.uint_contents_size() > 0) fields.push_back("uint_contents");
  if (contents.uint64_contents_size() > 0) fields.push_back("uint64_contents");
  if (contents.fp32_contents_size() > 0) fields.push_back("fp32_contents");
  if (contents.fp64_contents_size() > 0) fields.push_back("fp64_contents");
  if (contents.bytes_contents_size() > 0) fields.push_back("bytes_contents");
  return fields;
}

Status FromTypedContents(const InputProto& proto, InputTensor* tensor) {
  const inference::InferTensorContents& contents = proto.contents();
  const char* expected = tensor->datatype == kBytes  ? "bytes_contents"
                         : tensor->datatype == kFp32 ? "fp32_contents"
                                                     : nullptr;
  for (const char* field : FilledContentFields(contents)) {
    if (expected == nullptr) break;  // a datatype we do not take: the runner names ours
    if (std::strcmp(field, expected) != 0) {
      return InvalidArgumentError("input '" + tensor->name + "' is " + tensor->datatype +
                                  ": its data goes in contents." + expected + ", not " + field);
    }
  }
  if (tensor->datatype == kBytes) {
    tensor->bytes_elements.reserve(contents.bytes_contents_size());
    for (const std::string& element : contents.bytes_contents())
      tensor->bytes_elements.emplace_back(element);
  } else if (tensor->datatype == kFp32) {
    tensor->fp32 = contents.fp32_contents().data();
    tensor->fp32_count = contents.fp32_contents_size();
  }
  return Status::Ok();
}

Status FromRawContents(const std::string& raw, InputTensor* tensor) {
  if (tensor->datatype == kBytes) {
    VIT_ASSIGN_OR_RETURN(tensor->bytes_elements, SplitRawBytes(raw, tensor->name));
  } else if (tensor->datatype == kFp32) {
    if (raw.size() % sizeof(float) != 0) {
      return InvalidArgumentError("raw contents of input '" + tensor->name + "' have " +
                                  std::to_string(raw.size()) +
                                  " bytes, not a whole number of FP32 values (4 bytes each)");
    }
    tensor->fp32 = raw.data();
    tensor->fp32_count = raw.size() / sizeof(float);
  }
  return Status::Ok();
}

// > 0, or INVALID_ARGUMENT.
StatusOr<int> ClassificationCount(const inference::InferParameter& parameter,
                                  const std::string& output) {
  int64_t value = 0;
  bool parsed = true;
  switch (parameter.parameter_choice_case()) {
    case inference::InferParameter::kInt64Param:
      value = parameter.int64_param();
      break;
    case inference::InferParameter::kUint64Param:
      value = parameter.uint64_param() > INT64_MAX ? INT64_MAX
                                                   : static_cast<int64_t>(parameter.uint64_param());
      break;
    case inference::InferParameter::kStringParam: {
      const std::string& text = parameter.string_param();
      const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
      parsed = error == std::errc() && end == text.data() + text.size() && !text.empty();
      break;
    }
    default:
      parsed = false;
  }
  if (!parsed || value < 1 || value > INT_MAX) {
    return InvalidArgumentError("parameter 'classification' of output '" + output +
                                "' must be a positive integer (int64 or a decimal string)");
  }
  return static_cast<int>(value);
}

void AppendRawFloats(const std::vector<float>& values, std::string* out) {
  out->append(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(float));
}

}  // namespace

bool UsesRawContents(const inference::ModelInferRequest& proto) {
  return proto.raw_input_contents_size() > 0;
}

Status FromGrpcRequest(const inference::ModelInferRequest& proto, InferRequest* out) {
  out->model_name = proto.model_name();
  out->model_version = proto.model_version();
  out->id = proto.id();
  const bool raw = UsesRawContents(proto);
  if (raw && proto.raw_input_contents_size() != proto.inputs_size()) {
    return InvalidArgumentError("raw_input_contents has " +
                                std::to_string(proto.raw_input_contents_size()) + " entries for " +
                                std::to_string(proto.inputs_size()) +
                                " inputs; it needs one per input, in the order of inputs");
  }
  out->inputs.resize(proto.inputs_size());
  for (int i = 0; i < proto.inputs_size(); ++i) {
    const InputProto& input = proto.inputs(i);
    InputTensor& tensor = out->inputs[i];
    tensor.name = input.name();
    tensor.datatype = input.datatype();
    tensor.shape.assign(input.shape().begin(), input.shape().end());
    if (raw && !FilledContentFields(input.contents()).empty()) {
      return InvalidArgumentError("input '" + tensor.name +
                                  "' has contents while the request uses raw_input_contents; "
                                  "send every input one way");
    }
    VIT_RETURN_IF_ERROR(raw ? FromRawContents(proto.raw_input_contents(i), &tensor)
                            : FromTypedContents(input, &tensor));
  }
  out->outputs.resize(proto.outputs_size());
  for (int i = 0; i < proto.outputs_size(); ++i) {
    const auto& output = proto.outputs(i);
    out->outputs[i].name = output.name();
    auto classification = output.parameters().find(kClassificationParameter);
    if (classification == output.parameters().end()) continue;
    VIT_ASSIGN_OR_RETURN(out->outputs[i].classification,
                         ClassificationCount(classification->second, output.name()));
  }
  return Status::Ok();
}

void ToGrpcResponse(const InferResponse& response, bool raw, inference::ModelInferResponse* out) {
  out->set_model_name(response.model_name);
  out->set_model_version(response.model_version);
  out->set_id(response.id);
  for (const OutputTensor& tensor : response.outputs) {
    inference::ModelInferResponse::InferOutputTensor* output = out->add_outputs();
    output->set_name(tensor.name);
    output->set_datatype(tensor.datatype);
    output->mutable_shape()->Assign(tensor.shape.begin(), tensor.shape.end());
    const bool is_bytes = tensor.datatype == kBytes;
    if (raw) {
      std::string* data = out->add_raw_output_contents();
      if (is_bytes) {
        *data = JoinRawBytes(tensor.bytes_elements);
      } else {
        AppendRawFloats(tensor.fp32, data);
      }
    } else if (is_bytes) {
      output->mutable_contents()->mutable_bytes_contents()->Assign(tensor.bytes_elements.begin(),
                                                                   tensor.bytes_elements.end());
    } else {
      output->mutable_contents()->mutable_fp32_contents()->Assign(tensor.fp32.begin(),
                                                                  tensor.fp32.end());
    }
  }
}

StatusOr<std::vector<std::string_view>> SplitRawBytes(std::string_view raw,
                                                      const std::string& tensor) {
  std::vector<std::string_view> elements;
  size_t offset = 0;
  while (offset < raw.size()) {
    if (raw.size() - offset < 4) {
      return InvalidArgumentError("raw BYTES contents of input '" + tensor + "' end after " +
                                  std::to_string(elements.size()) +
                                  " elements inside a 4-byte length prefix");
    }
    const auto* prefix = reinterpret_cast<const unsigned char*>(raw.data() + offset);
    const uint64_t length = uint64_t{prefix[0]} | uint64_t{prefix[1]} << 8 |
                            uint64_t{prefix[2]} << 16 | uint64_t{prefix[3]} << 24;
    offset += 4;
    if (length > raw.size() - offset) {
      return InvalidArgumentError("raw BYTES contents of input '" + tensor + "': element " +
                                  std::to_string(elements.size()) + " says " +
                                  std::to_string(length) + " bytes but only " +
                                  std::to_string(raw.size() - offset) + " follow");
    }
    elements.push_back(raw.substr(offset, length));
    offset += length;
  }
  return elements;
}

std::string JoinRawBytes(const std::vector<std::string>& elements) {
  size_t size = 0;
  for (const std::string& element : elements) size += 4 + element.size();
  std::string out;
  out.reserve(size);
  for (const std::string& element : elements) {
    const auto length = static_cast<uint32_t>(element.size());
    for (int shift = 0; shift < 32; shift += 8) out.push_back(static_cast<char>(length >> shift));
    out += element;
  }
  return out;
}

}  // namespace vit::server::oip
