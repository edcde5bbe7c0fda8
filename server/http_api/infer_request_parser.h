// The body of an Open Inference Protocol REST inference request
// (POST /v2/models/{m}/infer) to an oip::InferRequest: the JSON request
// object, and with Triton's binary tensor data extension the JSON header
// (Inference-Header-Content-Length bytes) followed by each binary input's
// bytes in input order.
//
// Only what the wire format itself needs is checked here: JSON syntax and
// nesting depth, field types, the declared shape against the data given (the
// element count is bounded by the body's size before anything is allocated
// for it), binary sizes against the body. Names, datatypes and shapes the
// model accepts are oip::InferenceRunner's.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"
#include "server/oip/tensor.h"

namespace vit::server::http_api {

struct InferRequestLimits {
  /// Deepest JSON nesting accepted anywhere in the request. Default 32.
  size_t max_json_depth = 32;
  /// Most dimensions of one tensor's shape. Default 8.
  size_t max_rank = 8;
};

/// An InferRequest and what its tensors point into besides the body: BYTES
/// elements given as JSON strings, unescaped. FP32 data given as JSON lives
/// in each tensor's fp32_storage; binary data stays in the body, which the
/// caller keeps alive as long as the request.
struct ParsedInferRequest {
  ParsedInferRequest() = default;
  // Tensors point into `strings` and into their own storage: moves keep
  // those addresses, copies would not.
  ParsedInferRequest(const ParsedInferRequest&) = delete;
  ParsedInferRequest& operator=(const ParsedInferRequest&) = delete;
  ParsedInferRequest(ParsedInferRequest&&) = default;
  ParsedInferRequest& operator=(ParsedInferRequest&&) = default;

  oip::InferRequest request;
  std::deque<std::string> strings;
};

/// `json_length` is the Inference-Header-Content-Length value: the first
/// `json_length` bytes of `body` are the JSON object, the rest the binary
/// tensor data. nullopt (no header) = the whole body is JSON. Model name and
/// version come from the URL: the caller sets them. Every error is
/// INVALID_ARGUMENT with a message naming the field or tensor.
StatusOr<ParsedInferRequest> ParseInferRequest(std::string_view body,
                                               std::optional<size_t> json_length,
                                               const InferRequestLimits& limits = {});

/// The Inference-Header-Content-Length header's value: decimal digits only.
StatusOr<size_t> ParseHeaderLength(std::string_view value);

}  // namespace vit::server::http_api
