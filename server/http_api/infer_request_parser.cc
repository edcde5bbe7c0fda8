#include "server/http_api/infer_request_parser.h"

#include <simdjson.h>

#include <utility>
#include <vector>

#include "server/http_api/tensor_data.h"

namespace vit::server::http_api {
namespace {

// Every object is read in document order, each field consumed or skipped by
// the iteration itself: that is how simdjson's On-Demand API reports every
// syntax error (out-of-order lookups can leave malformed parts unread).
namespace od = simdjson::ondemand;
using simdjson::error_code;

// Where in the request a field is, for messages: "inputs[0]", "outputs[1]".
std::string Where(const char* array, size_t index) {
  return std::string(array) + "[" + std::to_string(index) + "]";
}

// Calls visit(key, value) for each field of the object `value`, in order.
template <typename Visit>
Status ForEachField(od::value value, const std::string& where, Visit visit) {
  od::object object;
  if (error_code error = value.get_object().get(object)) {
    return TypeError(error, where, "an object");
  }
  for (auto field : object) {
    std::string_view key;
    if (error_code error = field.unescaped_key().get(key)) return JsonError(error, where);
    od::value field_value;
    if (error_code error = field.value().get(field_value)) return JsonError(error, where);
    VIT_RETURN_IF_ERROR(visit(key, field_value));
  }
  return Status::Ok();
}

// Calls visit(index, element) for each element of the array `value`.
template <typename Visit>
Status ForEachElement(od::value value, const std::string& where, const char* expected,
                      Visit visit) {
  od::array array;
  if (error_code error = value.get_array().get(array)) return TypeError(error, where, expected);
  size_t index = 0;
  for (auto element : array) {
    od::value element_value;
    if (error_code error = element.get(element_value)) return JsonError(error, where);
    VIT_RETURN_IF_ERROR(visit(index++, element_value));
  }
  return Status::Ok();
}

Status GetString(od::value value, const std::string& where, std::string* out) {
  std::string_view text;
  if (error_code error = value.get_string().get(text)) return TypeError(error, where, "a string");
  *out = std::string(text);
  return Status::Ok();
}

Status GetBool(od::value value, const std::string& where, bool* out) {
  if (error_code error = value.get_bool().get(*out))
    return TypeError(error, where, "true or false");
  return Status::Ok();
}

Status ParseShape(od::value value, const std::string& where, const InferRequestLimits& limits,
                  std::vector<int64_t>* shape) {
  const std::string field = where + ".shape";
  return ForEachElement(value, field, "an array of integers", [&](size_t, od::value element) {
    int64_t dim = 0;
    if (error_code error = element.get_int64().get(dim)) {
      return TypeError(error, field, "an array of integers");
    }
    if (dim < 0) {
      return InvalidArgumentError(field + " has the negative dimension " + std::to_string(dim));
    }
    if (shape->size() == limits.max_rank) {
      return InvalidArgumentError(field + " has more than " + std::to_string(limits.max_rank) +
                                  " dimensions");
    }
    shape->push_back(dim);
    return Status::Ok();
  });
}

// The tensor's "parameters": binary_data_size, when given.
Status ParseInputParameters(od::value value, const std::string& where,
                            std::optional<uint64_t>* binary_size) {
  const std::string field = where + ".parameters";
  return ForEachField(value, field, [&](std::string_view key, od::value parameter) {
    if (key != "binary_data_size") return Status::Ok();
    uint64_t size = 0;
    if (error_code error = parameter.get_uint64().get(size)) {
      return TypeError(error, field + ".binary_data_size", "a non-negative integer");
    }
    *binary_size = size;
    return Status::Ok();
  });
}

// What the parse carries from input to input: the binary data not yet taken.
struct BinaryCursor {
  bool present = false;  // Inference-Header-Content-Length was given
  std::string_view data;
  size_t offset = 0;
};

// One input's fields, gathered in document order before its data is read.
class InputParser {
 public:
  InputParser(const std::string& where, const InferRequestLimits& limits, size_t json_size,
              ParsedInferRequest* out)
      : where_(where), limits_(limits), json_size_(json_size), out_(out) {}

  Status Field(std::string_view key, od::value value) {
    if (key == "name") return has_name_ = true, GetString(value, where_ + ".name", &tensor_.name);
    if (key == "datatype") {
      has_datatype_ = true;
      return GetString(value, Named() + ".datatype", &tensor_.datatype);
    }
    if (key == "shape")
      return has_shape_ = true, ParseShape(value, Named(), limits_, &tensor_.shape);
    if (key == "parameters") return ParseInputParameters(value, Named(), &binary_size_);
    if (key != "data") return Status::Ok();
    has_data_ = true;
    od::array data;
    if (error_code error = value.get_array().get(data)) {
      return TypeError(error, Named() + ".data", "an array");
    }
    // Usually the data comes last (clients write name, shape, datatype
    // first); when not, its text is kept and parsed once the shape is known.
    if (!has_datatype_ || !has_shape_) {
      if (error_code error = data.raw_json().get(deferred_data_)) return JsonError(error, Named());
      return Status::Ok();
    }
    VIT_RETURN_IF_ERROR(CheckHeader());
    data_read_ = true;
    return ReadJson(data);
  }

  Status Finish(BinaryCursor* binary) {
    VIT_RETURN_IF_ERROR(CheckHeader());
    if (binary_size_) {
      if (has_data_)
        return InvalidArgumentError(Named() + " has both \"data\" and binary_data_size");
      VIT_RETURN_IF_ERROR(TakeBinary(binary));
    } else if (!has_data_) {
      return InvalidArgumentError(Named() + " has neither \"data\" nor binary_data_size");
    } else if (!data_read_) {
      VIT_RETURN_IF_ERROR(ReadDeferred());
    }
    out_->request.inputs.push_back(std::move(tensor_));
    return Status::Ok();
  }

 private:
  std::string Named() const { return has_name_ ? where_ + " ('" + tensor_.name + "')" : where_; }

  // Name, datatype and shape are there and usable; sets expected_.
  Status CheckHeader() {
    if (!has_name_) return InvalidArgumentError(where_ + " has no \"name\"");
    if (!has_datatype_) return InvalidArgumentError(Named() + " has no \"datatype\"");
    if (tensor_.datatype != oip::kFp32 && tensor_.datatype != oip::kBytes) {
      return InvalidArgumentError(Named() + " has datatype '" + tensor_.datatype +
                                  "'; this server's inputs are BYTES and FP32");
    }
    if (!has_shape_) return InvalidArgumentError(Named() + " has no \"shape\"");
    const int64_t count = oip::ElementCount(tensor_.shape);
    if (count < 0) {
      return InvalidArgumentError(Named() + " shape " + oip::ShapeToString(tensor_.shape) +
                                  " has more elements than int64 can count");
    }
    expected_ = static_cast<size_t>(count);
    return Status::Ok();
  }

  Status ReadJson(od::array& data) {
    // Each JSON element takes at least two bytes ("0,"): a shape declaring
    // more than that is refused before anything is reserved for it.
    if (expected_ > json_size_ / 2 + 1) {
      return InvalidArgumentError(Named() + " shape " + oip::ShapeToString(tensor_.shape) +
                                  " declares " + std::to_string(expected_) +
                                  " elements, more than a " + std::to_string(json_size_) +
                                  "-byte JSON body can hold");
    }
    if (tensor_.datatype == oip::kFp32) {
      tensor_.fp32_storage.resize(expected_);
    } else {
      tensor_.bytes_elements.reserve(expected_);
    }
    VIT_RETURN_IF_ERROR(ReadJsonTensorData(data, Named(), expected_, &out_->strings, &tensor_));
    if (tensor_.datatype == oip::kFp32) {
      tensor_.fp32 = tensor_.fp32_storage.data();
      tensor_.fp32_count = tensor_.fp32_storage.size();
    }
    return Status::Ok();
  }

  // The data array's text, seen before the shape, parsed on its own.
  Status ReadDeferred() {
    const simdjson::padded_string padded(deferred_data_);
    od::parser parser;
    if (error_code error = parser.allocate(padded.size(), limits_.max_json_depth)) {
      return JsonError(error, Named() + ".data");
    }
    od::document document;
    od::array data;
    if (error_code error = parser.iterate(padded).get(document)) {
      return JsonError(error, Named() + ".data");
    }
    if (error_code error = document.get_array().get(data)) {
      return JsonError(error, Named() + ".data");
    }
    return ReadJson(data);
  }

  Status TakeBinary(BinaryCursor* binary) {
    if (!binary->present) {
      return InvalidArgumentError(Named() +
                                  " has binary_data_size but the request has no "
                                  "Inference-Header-Content-Length header");
    }
    const size_t left = binary->data.size() - binary->offset;
    if (*binary_size_ > left) {
      return InvalidArgumentError(Named() + " declares binary_data_size " +
                                  std::to_string(*binary_size_) + " but only " +
                                  std::to_string(left) + " bytes of binary data are left");
    }
    const std::string_view bytes = binary->data.substr(binary->offset, *binary_size_);
    binary->offset += *binary_size_;
    return ReadBinaryTensorData(bytes, expected_, Named(), &tensor_);
  }

  const std::string where_;
  const InferRequestLimits& limits_;
  const size_t json_size_;
  ParsedInferRequest* const out_;
  oip::InputTensor tensor_;
  bool has_name_ = false, has_datatype_ = false, has_shape_ = false, has_data_ = false;
  bool data_read_ = false;
  std::optional<uint64_t> binary_size_;
  std::string_view deferred_data_;  // points into the request's padded JSON
  size_t expected_ = 0;
};

Status ParseInputs(od::value value, const InferRequestLimits& limits, size_t json_size,
                   BinaryCursor* binary, ParsedInferRequest* out) {
  return ForEachElement(value, "inputs", "an array of tensors", [&](size_t index, od::value input) {
    InputParser parser(Where("inputs", index), limits, json_size, out);
    VIT_RETURN_IF_ERROR(ForEachField(
        input, Where("inputs", index),
        [&](std::string_view key, od::value field) { return parser.Field(key, field); }));
    return parser.Finish(binary);
  });
}

// One requested output; `binary` is its explicit binary_data parameter.
Status ParseOutput(od::value value, const std::string& where, oip::RequestedOutput* output,
                   std::optional<bool>* binary) {
  bool has_name = false;
  VIT_RETURN_IF_ERROR(ForEachField(value, where, [&](std::string_view key, od::value field) {
    if (key == "name") return has_name = true, GetString(field, where + ".name", &output->name);
    if (key != "parameters") return Status::Ok();
    const std::string parameters = where + ".parameters";
    return ForEachField(field, parameters, [&](std::string_view name, od::value parameter) {
      if (name == "binary_data") {
        bool flag = false;
        VIT_RETURN_IF_ERROR(GetBool(parameter, parameters + ".binary_data", &flag));
        *binary = flag;
      } else if (name == "classification") {
        int64_t k = 0;
        if (error_code error = parameter.get_int64().get(k)) {
          return TypeError(error, parameters + ".classification", "an integer");
        }
        if (k < 0 || k > INT32_MAX) {
          return InvalidArgumentError(parameters + ".classification must be positive; got " +
                                      std::to_string(k));
        }
        output->classification = static_cast<int>(k);
      }
      return Status::Ok();
    });
  }));
  if (!has_name) return InvalidArgumentError(where + " has no \"name\"");
  return Status::Ok();
}

Status ParseOutputs(od::value value, ParsedInferRequest* out,
                    std::vector<std::optional<bool>>* binary) {
  return ForEachElement(value, "outputs", "an array", [&](size_t index, od::value element) {
    oip::RequestedOutput output;
    binary->emplace_back();
    VIT_RETURN_IF_ERROR(ParseOutput(element, Where("outputs", index), &output, &binary->back()));
    out->request.outputs.push_back(std::move(output));
    return Status::Ok();
  });
}

Status ParseRequestParameters(od::value value, oip::InferRequest* request) {
  return ForEachField(value, "parameters", [&](std::string_view key, od::value parameter) {
    if (key != "binary_data_output") return Status::Ok();
    return GetBool(parameter, "parameters.binary_data_output", &request->binary_data_output);
  });
}

// The top-level object's fields; unknown ones are skipped.
Status ParseRoot(od::document& document, const InferRequestLimits& limits, size_t json_size,
                 BinaryCursor* binary, ParsedInferRequest* out) {
  od::value root;
  if (error_code error = document.get_value().get(root)) return JsonError(error, "the top level");
  bool has_inputs = false;
  std::vector<std::optional<bool>> output_binary;
  VIT_RETURN_IF_ERROR(
      ForEachField(root, "the top level", [&](std::string_view key, od::value value) {
        if (key == "id") return GetString(value, "id", &out->request.id);
        if (key == "inputs")
          return has_inputs = true, ParseInputs(value, limits, json_size, binary, out);
        if (key == "outputs") return ParseOutputs(value, out, &output_binary);
        if (key == "parameters") return ParseRequestParameters(value, &out->request);
        return Status::Ok();
      }));
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
