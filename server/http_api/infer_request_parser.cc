#include "server/http_api/infer_request_parser.h"

#include <simdjson.h>

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstring>
#include <utility>
#include <vector>

namespace vit::server::http_api {
namespace {

namespace od = simdjson::ondemand;
using simdjson::error_code;

// Where in the request a field is, for messages: "inputs[0]", "outputs[1]".
std::string Where(const char* array, size_t index) {
  return std::string(array) + "[" + std::to_string(index) + "]";
}

Status JsonError(error_code error, const std::string& where) {
  return InvalidArgumentError("malformed JSON request at " + where + ": " +
                              simdjson::error_message(error));
}

// A value of the wrong JSON type, or malformed JSON found while reading it.
Status TypeError(error_code error, const std::string& where, const char* expected) {
  if (error == simdjson::INCORRECT_TYPE || error == simdjson::NUMBER_OUT_OF_RANGE) {
    return InvalidArgumentError(where + " must be " + expected);
  }
  return JsonError(error, where);
}

// Looks `key` up in `object` in any order. Sets *found = false when absent.
Status FindField(od::object& object, const char* key, const std::string& where, od::value* value,
                 bool* found) {
  const error_code error = object.find_field_unordered(key).get(*value);
  *found = error == simdjson::SUCCESS;
  if (error == simdjson::NO_SUCH_FIELD || *found) return Status::Ok();
  return JsonError(error, where);
}

Status RequiredString(od::object& object, const char* key, const std::string& where,
                      std::string* out) {
  od::value value;
  bool found = false;
  VIT_RETURN_IF_ERROR(FindField(object, key, where, &value, &found));
  if (!found) return InvalidArgumentError(where + " has no \"" + key + "\"");
  std::string_view text;
  if (error_code error = value.get_string().get(text)) {
    return TypeError(error, where + "." + key, "a string");
  }
  *out = std::string(text);
  return Status::Ok();
}

Status ParseShape(od::object& object, const std::string& where, const InferRequestLimits& limits,
                  std::vector<int64_t>* shape) {
  od::value value;
  bool found = false;
  VIT_RETURN_IF_ERROR(FindField(object, "shape", where, &value, &found));
  if (!found) return InvalidArgumentError(where + " has no \"shape\"");
  od::array dims;
  if (error_code error = value.get_array().get(dims)) {
    return TypeError(error, where + ".shape", "an array of integers");
  }
  for (auto element : dims) {
    int64_t dim = 0;
    if (error_code error = element.get_int64().get(dim)) {
      return TypeError(error, where + ".shape", "an array of integers");
    }
    if (dim < 0) {
      return InvalidArgumentError(where + ".shape has the negative dimension " +
                                  std::to_string(dim));
    }
    if (shape->size() == limits.max_rank) {
      return InvalidArgumentError(where + ".shape has more than " +
                                  std::to_string(limits.max_rank) + " dimensions");
    }
    shape->push_back(dim);
  }
  return Status::Ok();
}

// The object's "parameters" object, when it has one.
Status FindParameters(od::object& object, const std::string& where, od::object* parameters,
                      bool* found) {
  od::value value;
  VIT_RETURN_IF_ERROR(FindField(object, "parameters", where, &value, found));
  if (!*found) return Status::Ok();
  if (error_code error = value.get_object().get(*parameters)) {
    return TypeError(error, where + ".parameters", "an object");
  }
  return Status::Ok();
}

// The tensor's "parameters": binary_data_size, when given.
Status ParseInputParameters(od::object& object, const std::string& where,
                            std::optional<uint64_t>* binary_size) {
  od::object parameters;
  bool found = false;
  VIT_RETURN_IF_ERROR(FindParameters(object, where, &parameters, &found));
  if (!found) return Status::Ok();
  od::value size_value;
  VIT_RETURN_IF_ERROR(
      FindField(parameters, "binary_data_size", where + ".parameters", &size_value, &found));
  if (!found) return Status::Ok();
  uint64_t size = 0;
  if (error_code error = size_value.get_uint64().get(size)) {
    return TypeError(error, where + ".parameters.binary_data_size", "a non-negative integer");
  }
  *binary_size = size;
  return Status::Ok();
}

// Reads the tensor's JSON "data" in row-major order into `sink`, flattening
// nested arrays no deeper than the shape's rank, and failing as soon as there
// are more than `expected` elements.
class JsonDataReader {
 public:
  JsonDataReader(const oip::InputTensor& tensor, const std::string& where, size_t expected,
                 std::deque<std::string>* strings, oip::InputTensor* out)
      : where_(where + ".data"),
        fp32_(tensor.datatype == oip::kFp32),
        max_depth_(std::max<size_t>(tensor.shape.size(), 1)),
        expected_(expected),
        strings_(strings),
        out_(out) {}

  Status Read(od::value data) {
    VIT_RETURN_IF_ERROR(ReadArray(data, 1));
    if (count_ != expected_) return CountError(count_);
    return Status::Ok();
  }

 private:
  Status ReadArray(od::value value, size_t depth) {
    od::array array;
    if (error_code error = value.get_array().get(array)) {
      return TypeError(error, where_, "an array");
    }
    for (auto element : array) {
      od::value item;
      if (error_code error = element.get(item)) return JsonError(error, where_);
      VIT_RETURN_IF_ERROR(ReadElement(item, depth));
    }
    return Status::Ok();
  }

  Status ReadElement(od::value item, size_t depth) {
    if (fp32_) {
      double number = 0;
      const error_code error = item.get_double().get(number);
      if (error == simdjson::SUCCESS) return AddFloat(number);
      if (error != simdjson::INCORRECT_TYPE) return TypeError(error, where_, "numbers");
    } else {
      std::string_view text;
      const error_code error = item.get_string().get(text);
      if (error == simdjson::SUCCESS) return AddString(text);
      if (error != simdjson::INCORRECT_TYPE) return TypeError(error, where_, "strings");
    }
    od::json_type type;
    if (error_code error = item.type().get(type)) return JsonError(error, where_);
    if (type != od::json_type::array) {
      return InvalidArgumentError(where_ + " of a " + out_->datatype + " tensor must hold " +
                                  (fp32_ ? "numbers" : "strings"));
    }
    if (depth == max_depth_) {
      return InvalidArgumentError(where_ + " is nested deeper than its shape " +
                                  oip::ShapeToString(out_->shape));
    }
    return ReadArray(item, depth + 1);
  }

  Status AddFloat(double number) {
    if (count_ == expected_) return CountError(count_ + 1);
    if (!(std::fabs(number) <= FLT_MAX)) {
      return InvalidArgumentError(where_ + " holds " + std::to_string(number) +
                                  ", which is out of FP32's range");
    }
    out_->fp32_storage[count_++] = static_cast<float>(number);
    return Status::Ok();
  }

  Status AddString(std::string_view text) {
    if (count_ == expected_) return CountError(count_ + 1);
    strings_->emplace_back(text);
    out_->bytes_elements.push_back(strings_->back());
    ++count_;
    return Status::Ok();
  }

  Status CountError(size_t got) const {
    return InvalidArgumentError(where_ + " has " + (got > expected_ ? "more than " : "") +
                                std::to_string(got > expected_ ? expected_ : got) +
                                " elements but shape " + oip::ShapeToString(out_->shape) +
                                " needs " + std::to_string(expected_));
  }

  const std::string where_;
  const bool fp32_;
  const size_t max_depth_;
  const size_t expected_;
  std::deque<std::string>* const strings_;
  oip::InputTensor* const out_;
  size_t count_ = 0;
};

// The tensor's binary data: `bytes` of the body, already cut to
// binary_data_size. FP32 stays in the body; BYTES is split into elements.
Status ReadBinaryData(std::string_view bytes, size_t expected, const std::string& where,
                      oip::InputTensor* tensor) {
  const std::string shape = oip::ShapeToString(tensor->shape);
  if (tensor->datatype == oip::kFp32) {
    if (expected > bytes.size() / sizeof(float) || bytes.size() != expected * sizeof(float)) {
      return InvalidArgumentError(where + " has binary_data_size " + std::to_string(bytes.size()) +
                                  " but FP32 shape " + shape + " needs " +
                                  std::to_string(expected) + " * 4 bytes");
    }
    tensor->fp32 = bytes.data();
    tensor->fp32_count = expected;
    return Status::Ok();
  }
  // BYTES: per element a 4-byte little-endian length, then the bytes; each
  // element takes at least 4 bytes, which bounds the reservation.
  tensor->bytes_elements.reserve(std::min(expected, bytes.size() / 4));
  size_t offset = 0;
  while (offset < bytes.size()) {
    if (tensor->bytes_elements.size() == expected) {
      return InvalidArgumentError(where + " has more than the " + std::to_string(expected) +
                                  " BYTES elements of shape " + shape + " in its binary data");
    }
    if (bytes.size() - offset < 4) {
      return InvalidArgumentError(where + " binary data ends inside the length of element " +
                                  std::to_string(tensor->bytes_elements.size()));
    }
    const auto* p = reinterpret_cast<const unsigned char*>(bytes.data() + offset);
    const uint32_t length =
        uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24;
    offset += 4;
    if (length > bytes.size() - offset) {
      return InvalidArgumentError(where + " binary element " +
                                  std::to_string(tensor->bytes_elements.size()) + " declares " +
                                  std::to_string(length) + " bytes but only " +
                                  std::to_string(bytes.size() - offset) + " remain");
    }
    tensor->bytes_elements.push_back(bytes.substr(offset, length));
    offset += length;
  }
  if (tensor->bytes_elements.size() != expected) {
    return InvalidArgumentError(where + " has " + std::to_string(tensor->bytes_elements.size()) +
                                " BYTES elements in its binary data but shape " + shape +
                                " needs " + std::to_string(expected));
  }
  return Status::Ok();
}

// What the parse carries from input to input: the binary data not yet taken.
struct BinaryCursor {
  bool present = false;  // Inference-Header-Content-Length was given
  std::string_view data;
  size_t offset = 0;
};

Status ParseInput(od::object& object, const std::string& where, const InferRequestLimits& limits,
                  size_t json_size, BinaryCursor* binary, ParsedInferRequest* out) {
  oip::InputTensor tensor;
  VIT_RETURN_IF_ERROR(RequiredString(object, "name", where, &tensor.name));
  const std::string named = where + " ('" + tensor.name + "')";
  VIT_RETURN_IF_ERROR(RequiredString(object, "datatype", named, &tensor.datatype));
  if (tensor.datatype != oip::kFp32 && tensor.datatype != oip::kBytes) {
    return InvalidArgumentError(named + " has datatype '" + tensor.datatype +
                                "'; this server's inputs are BYTES and FP32");
  }
  VIT_RETURN_IF_ERROR(ParseShape(object, named, limits, &tensor.shape));
  const int64_t count = oip::ElementCount(tensor.shape);
  if (count < 0) {
    return InvalidArgumentError(named + " shape " + oip::ShapeToString(tensor.shape) +
                                " has more elements than int64 can count");
  }
  const size_t expected = static_cast<size_t>(count);
  std::optional<uint64_t> binary_size;
  VIT_RETURN_IF_ERROR(ParseInputParameters(object, named, &binary_size));
  od::value data;
  bool has_data = false;
  VIT_RETURN_IF_ERROR(FindField(object, "data", named, &data, &has_data));

  if (binary_size) {
    if (has_data) return InvalidArgumentError(named + " has both \"data\" and binary_data_size");
    if (!binary->present) {
      return InvalidArgumentError(named +
                                  " has binary_data_size but the request has no "
                                  "Inference-Header-Content-Length header");
    }
    const size_t left = binary->data.size() - binary->offset;
    if (*binary_size > left) {
      return InvalidArgumentError(named + " declares binary_data_size " +
                                  std::to_string(*binary_size) + " but only " +
                                  std::to_string(left) + " bytes of binary data are left");
    }
    const std::string_view bytes = binary->data.substr(binary->offset, *binary_size);
    binary->offset += *binary_size;
    VIT_RETURN_IF_ERROR(ReadBinaryData(bytes, expected, named, &tensor));
  } else {
    if (!has_data)
      return InvalidArgumentError(named + " has neither \"data\" nor binary_data_size");
    // Each JSON element takes at least two bytes ("0,"): a shape declaring
    // more than that is refused before anything is reserved for it.
    if (expected > json_size / 2 + 1) {
      return InvalidArgumentError(named + " shape " + oip::ShapeToString(tensor.shape) +
                                  " declares " + std::to_string(expected) +
                                  " elements, more than a " + std::to_string(json_size) +
                                  "-byte JSON body can hold");
    }
    if (tensor.datatype == oip::kFp32) {
      tensor.fp32_storage.resize(expected);
    } else {
      tensor.bytes_elements.reserve(expected);
    }
    VIT_RETURN_IF_ERROR(JsonDataReader(tensor, named, expected, &out->strings, &tensor).Read(data));
    if (tensor.datatype == oip::kFp32) {
      tensor.fp32 = tensor.fp32_storage.data();
      tensor.fp32_count = tensor.fp32_storage.size();
    }
  }
  out->request.inputs.push_back(std::move(tensor));
  return Status::Ok();
}

Status ParseInputs(od::value value, const InferRequestLimits& limits, size_t json_size,
                   BinaryCursor* binary, ParsedInferRequest* out) {
  od::array inputs;
  if (error_code error = value.get_array().get(inputs)) {
    return TypeError(error, "inputs", "an array of tensors");
  }
  size_t index = 0;
  for (auto element : inputs) {
    const std::string where = Where("inputs", index++);
    od::object object;
    if (error_code error = element.get_object().get(object)) {
      return TypeError(error, where, "an object");
    }
    VIT_RETURN_IF_ERROR(ParseInput(object, where, limits, json_size, binary, out));
  }
  return Status::Ok();
}

// One requested output; `binary` is its explicit binary_data parameter.
Status ParseOutput(od::object& object, const std::string& where, oip::RequestedOutput* output,
                   std::optional<bool>* binary) {
  VIT_RETURN_IF_ERROR(RequiredString(object, "name", where, &output->name));
  od::object parameters;
  bool found = false;
  VIT_RETURN_IF_ERROR(FindParameters(object, where, &parameters, &found));
  if (!found) return Status::Ok();
  od::value classification;
  VIT_RETURN_IF_ERROR(
      FindField(parameters, "classification", where + ".parameters", &classification, &found));
  if (found) {
    int64_t k = 0;
    if (error_code error = classification.get_int64().get(k)) {
      return TypeError(error, where + ".parameters.classification", "an integer");
    }
    if (k < 0 || k > INT32_MAX) {
      return InvalidArgumentError(where + ".parameters.classification must be positive; got " +
                                  std::to_string(k));
    }
    output->classification = static_cast<int>(k);
  }
  od::value binary_data;
  VIT_RETURN_IF_ERROR(
      FindField(parameters, "binary_data", where + ".parameters", &binary_data, &found));
  if (found) {
    bool flag = false;
    if (error_code error = binary_data.get_bool().get(flag)) {
      return TypeError(error, where + ".parameters.binary_data", "true or false");
    }
    *binary = flag;
  }
  return Status::Ok();
}

Status ParseOutputs(od::value value, ParsedInferRequest* out,
                    std::vector<std::optional<bool>>* binary) {
  od::array outputs;
  if (error_code error = value.get_array().get(outputs)) {
    return TypeError(error, "outputs", "an array");
  }
  size_t index = 0;
  for (auto element : outputs) {
    const std::string where = Where("outputs", index++);
    od::object object;
    if (error_code error = element.get_object().get(object)) {
      return TypeError(error, where, "an object");
    }
    oip::RequestedOutput output;
    binary->emplace_back();
    VIT_RETURN_IF_ERROR(ParseOutput(object, where, &output, &binary->back()));
    out->request.outputs.push_back(std::move(output));
  }
  return Status::Ok();
}

Status ParseRequestParameters(od::value value, oip::InferRequest* request) {
  od::object parameters;
  if (error_code error = value.get_object().get(parameters)) {
    return TypeError(error, "parameters", "an object");
  }
  od::value flag_value;
  bool found = false;
  VIT_RETURN_IF_ERROR(
      FindField(parameters, "binary_data_output", "parameters", &flag_value, &found));
  if (!found) return Status::Ok();
  if (error_code error = flag_value.get_bool().get(request->binary_data_output)) {
    return TypeError(error, "parameters.binary_data_output", "true or false");
  }
  return Status::Ok();
}

// The top-level object's fields in document order; unknown ones are skipped
// (and still checked for syntax by the iteration).
Status ParseRoot(od::document& document, const InferRequestLimits& limits, size_t json_size,
                 BinaryCursor* binary, ParsedInferRequest* out) {
  od::object root;
  if (error_code error = document.get_object().get(root)) {
    return TypeError(error, "the top level", "a JSON object");
  }
  bool has_inputs = false;
  std::vector<std::optional<bool>> output_binary;
  for (auto field : root) {
    std::string_view key;
    if (error_code error = field.unescaped_key().get(key)) return JsonError(error, "a key");
    od::value value;
    if (error_code error = field.value().get(value)) return JsonError(error, std::string(key));
    if (key == "id") {
      std::string_view id;
      if (error_code error = value.get_string().get(id)) return TypeError(error, "id", "a string");
      out->request.id = std::string(id);
    } else if (key == "inputs") {
      has_inputs = true;
      VIT_RETURN_IF_ERROR(ParseInputs(value, limits, json_size, binary, out));
    } else if (key == "outputs") {
      VIT_RETURN_IF_ERROR(ParseOutputs(value, out, &output_binary));
    } else if (key == "parameters") {
      VIT_RETURN_IF_ERROR(ParseRequestParameters(value, &out->request));
    }
  }
  if (!has_inputs) return InvalidArgumentError("the request has no \"inputs\"");
  // binary_data on an output overrides the request's binary_data_output.
  for (size_t i = 0; i < out->request.outputs.size(); ++i) {
    out->request.outputs[i].binary_data =
        output_binary[i].value_or(out->request.binary_data_output);
  }
  return Status::Ok();
}

}  // namespace

StatusOr<ParsedInferRequest> ParseInferRequest(std::string_view body,
                                               std::optional<size_t> json_length,
                                               const InferRequestLimits& limits) {
  BinaryCursor binary;
  std::string_view json = body;
  if (json_length) {
    if (*json_length > body.size()) {
      return InvalidArgumentError("Inference-Header-Content-Length is " +
                                  std::to_string(*json_length) + " but the body has only " +
                                  std::to_string(body.size()) + " bytes");
    }
    json = body.substr(0, *json_length);
    binary = {true, body.substr(*json_length), 0};
  }
  if (json.empty()) return InvalidArgumentError("the request has no JSON body");
  // simdjson reads in blocks past the end: a padded copy of the JSON part.
  const simdjson::padded_string padded(json);
  od::parser parser;
  if (error_code error = parser.allocate(padded.size(), limits.max_json_depth)) {
    return ResourceExhaustedError(std::string("cannot parse the request: ") +
                                  simdjson::error_message(error));
  }
  od::document document;
  if (error_code error = parser.iterate(padded).get(document)) {
    return JsonError(error, "the start");
  }
  // On-Demand reads only what is asked for: first the extent of the top-level
  // value (skipping over it checks its brackets), which must end the JSON.
  std::string_view top;
  if (error_code error = document.raw_json().get(top)) return JsonError(error, "the start");
  const size_t top_end = static_cast<size_t>(top.data() - padded.data()) + top.size();
  if (json.find_first_not_of(" \t\r\n", top_end) != std::string_view::npos) {
    return InvalidArgumentError("malformed JSON request: content after the top-level value");
  }
  document.rewind();
  ParsedInferRequest out;
  VIT_RETURN_IF_ERROR(ParseRoot(document, limits, json.size(), &binary, &out));
  if (binary.offset != binary.data.size()) {
    return InvalidArgumentError(std::to_string(binary.data.size() - binary.offset) +
                                " bytes of binary data follow the last binary input");
  }
  return out;
}

StatusOr<size_t> ParseHeaderLength(std::string_view value) {
  if (value.empty() || value.size() > 18) {
    return InvalidArgumentError("Inference-Header-Content-Length must be a byte count; got '" +
                                std::string(value.substr(0, 40)) + "'");
  }
  size_t length = 0;
  for (char c : value) {
    if (c < '0' || c > '9') {
      return InvalidArgumentError("Inference-Header-Content-Length must be a byte count; got '" +
                                  std::string(value.substr(0, 40)) + "'");
    }
    length = length * 10 + static_cast<size_t>(c - '0');
  }
  return length;
}

}  // namespace vit::server::http_api
