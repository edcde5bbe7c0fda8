// An oip::InferResponse to the body of an Open Inference Protocol REST
// inference response: the JSON response object, or with Triton's binary
// tensor data extension the JSON header followed by the binary outputs'
// bytes (FP32 little-endian; BYTES as a 4-byte little-endian length plus the
// bytes per element), in output order.
#pragma once

#include <cstddef>
#include <string>

#include "server/oip/tensor.h"

namespace vit::server::http_api {

struct EncodedInferResponse {
  std::string body;
  /// Length of the JSON header when binary data follows it (the response's
  /// Inference-Header-Content-Length); 0 = the body is all JSON.
  size_t json_length = 0;
};

/// Which outputs go binary follows the request: its requested outputs'
/// binary_data (already resolved against binary_data_output by the parser),
/// or binary_data_output for all when it named none.
EncodedInferResponse WriteInferResponse(const oip::InferResponse& response,
                                        const oip::InferRequest& request);

}  // namespace vit::server::http_api
