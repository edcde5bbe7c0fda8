#include "server/http_api/tensor_data.h"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstdint>

namespace vit::server::http_api {
namespace {

namespace od = simdjson::ondemand;
using simdjson::error_code;

class JsonDataReader {
 public:
  JsonDataReader(const std::string& where, size_t expected, std::deque<std::string>* strings,
                 oip::InputTensor* tensor)
      : where_(where + ".data"),
        fp32_(tensor->datatype == oip::kFp32),
        max_depth_(std::max<size_t>(tensor->shape.size(), 1)),
        expected_(expected),
        strings_(strings),
        out_(tensor) {}

  Status Read(od::array& data) {
    VIT_RETURN_IF_ERROR(ReadArray(data, 1));
    if (count_ != expected_) return CountError(count_);
    return Status::Ok();
  }

 private:
  Status ReadArray(od::array& array, size_t depth) {
    for (auto element : array) {
      od::value item;
      if (error_code error = element.get(item)) return JsonError(error, where_);
      VIT_RETURN_IF_ERROR(ReadElement(item, depth));
    }
    return Status::Ok();
  }

  Status ReadElement(od::value& item, size_t depth) {
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
    // Not an element: a nested array, or a wrong type.
    od::array inner;
    const error_code error = item.get_array().get(inner);
    if (error == simdjson::INCORRECT_TYPE) {
      return InvalidArgumentError(where_ + " of a " + out_->datatype + " tensor must hold " +
                                  (fp32_ ? "numbers" : "strings"));
    }
    if (error) return JsonError(error, where_);
    if (depth == max_depth_) {
      return InvalidArgumentError(where_ + " is nested deeper than its shape " +
                                  oip::ShapeToString(out_->shape));
    }
    return ReadArray(inner, depth + 1);
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
    const bool more = got > expected_;
    return InvalidArgumentError(where_ + " has " + (more ? "more than " : "") +
                                std::to_string(more ? expected_ : got) + " elements but shape " +
                                oip::ShapeToString(out_->shape) + " needs " +
                                std::to_string(expected_));
  }

  const std::string where_;
  const bool fp32_;
  const size_t max_depth_;
  const size_t expected_;
  std::deque<std::string>* const strings_;
  oip::InputTensor* const out_;
  size_t count_ = 0;
};

uint32_t LittleEndian32(const char* data) {
  const auto* p = reinterpret_cast<const unsigned char*>(data);
  return uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24;
}

Status ReadBinaryBytes(std::string_view bytes, size_t expected, const std::string& where,
                       oip::InputTensor* tensor) {
  const std::string shape = oip::ShapeToString(tensor->shape);
  // Each element takes at least its 4-byte length: that bounds the reservation.
  tensor->bytes_elements.reserve(std::min(expected, bytes.size() / 4));
  size_t offset = 0;
  while (offset < bytes.size()) {
    const size_t index = tensor->bytes_elements.size();
    if (index == expected) {
      return InvalidArgumentError(where + " has more than the " + std::to_string(expected) +
                                  " BYTES elements of shape " + shape + " in its binary data");
    }
    if (bytes.size() - offset < 4) {
      return InvalidArgumentError(where + " binary data ends inside the length of element " +
                                  std::to_string(index));
    }
    const uint32_t length = LittleEndian32(bytes.data() + offset);
    offset += 4;
    if (length > bytes.size() - offset) {
      return InvalidArgumentError(where + " binary element " + std::to_string(index) +
                                  " declares " + std::to_string(length) + " bytes but only " +
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

}  // namespace

Status JsonError(error_code error, const std::string& where) {
  return InvalidArgumentError("malformed JSON request at " + where + ": " +
                              simdjson::error_message(error));
}

Status TypeError(error_code error, const std::string& where, const char* expected) {
  if (error == simdjson::INCORRECT_TYPE || error == simdjson::NUMBER_OUT_OF_RANGE) {
    return InvalidArgumentError(where + " must be " + expected);
  }
  return JsonError(error, where);
}

Status ReadJsonTensorData(od::array& data, const std::string& where, size_t expected,
                          std::deque<std::string>* strings, oip::InputTensor* tensor) {
  return JsonDataReader(where, expected, strings, tensor).Read(data);
}

Status ReadBinaryTensorData(std::string_view bytes, size_t expected, const std::string& where,
                            oip::InputTensor* tensor) {
  if (tensor->datatype != oip::kFp32) return ReadBinaryBytes(bytes, expected, where, tensor);
  if (expected > bytes.size() / sizeof(float) || bytes.size() != expected * sizeof(float)) {
    return InvalidArgumentError(where + " has binary_data_size " + std::to_string(bytes.size()) +
                                " but FP32 shape " + oip::ShapeToString(tensor->shape) + " needs " +
                                std::to_string(expected) + " * 4 bytes");
  }
  tensor->fp32 = bytes.data();
  tensor->fp32_count = expected;
  return Status::Ok();
}

}  // namespace vit::server::http_api
