// One input tensor's data as the REST protocol carries it: a JSON array of
// numbers or strings (flat or nested), or the binary tensor data extension's
// bytes. Part of infer_request_parser.cc, apart so that each file has one job.
#pragma once

#include <simdjson.h>

#include <cstddef>
#include <deque>
#include <string>
#include <string_view>

#include "common/status.h"
#include "server/oip/tensor.h"

namespace vit::server::http_api {

/// INVALID_ARGUMENT naming `where` for malformed JSON found there.
Status JsonError(simdjson::error_code error, const std::string& where);
/// A value of the wrong JSON type (INCORRECT_TYPE, a number out of range) or
/// malformed JSON found while reading it.
Status TypeError(simdjson::error_code error, const std::string& where, const char* expected);

/// Reads `data` (the tensor's "data" array) in row-major order into
/// tensor->fp32_storage (already sized to `expected`) or, for BYTES, into
/// tensor->bytes_elements viewing unescaped copies appended to `strings`.
/// Nested arrays may go no deeper than the shape's rank; more or fewer than
/// `expected` elements are INVALID_ARGUMENT, found as soon as they are.
Status ReadJsonTensorData(simdjson::ondemand::array& data, const std::string& where,
                          size_t expected, std::deque<std::string>* strings,
                          oip::InputTensor* tensor);

/// `bytes` (binary_data_size bytes of the body): FP32 is viewed where it is
/// (exactly 4 x `expected` bytes); BYTES is split into `expected` elements of
/// a 4-byte little-endian length and the bytes, with nothing left over.
Status ReadBinaryTensorData(std::string_view bytes, size_t expected, const std::string& where,
                            oip::InputTensor* tensor);

}  // namespace vit::server::http_api
