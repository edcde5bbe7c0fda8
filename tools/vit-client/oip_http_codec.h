// The Open Inference Protocol over HTTP/REST, as vit-client speaks it: the
// server's base URL, the paths, the infer body that classifies one image
// with Triton's binary tensor data extension and the reading of its answer,
// as pure functions (unit-tested with canned bodies).
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "tools/vit-client/front_door.h"

namespace vit::client::oip {

/// The HTTP header that says how long the JSON part of a binary body is.
inline constexpr const char* kHeaderLengthHeader = "Inference-Header-Content-Length";

/// "http://HOST:PORT" or "https://HOST:PORT" from --server: HOST:PORT (https
/// with `tls`), or a URL with either scheme (https sets *tls). A trailing "/"
/// is dropped. INVALID_ARGUMENT for another scheme, a path, or http:// with
/// --tls.
StatusOr<std::string> HttpBaseUrl(const std::string& server, bool* tls);

/// "/v2/models/NAME" + suffix, NAME percent-encoded.
std::string ModelPath(const std::string& model, const std::string& suffix = "");
/// "/v2/repository/models/NAME" + suffix, NAME percent-encoded.
std::string RepositoryModelPath(const std::string& model, const std::string& suffix);

/// The parts of an infer request body before the image: sent one after the
/// other, then the image itself, so that the image is never copied.
struct InferBodyHead {
  /// The JSON header; Inference-Header-Content-Length is its size.
  std::string json;
  /// The image's length as 4 bytes little-endian (its BYTES element prefix).
  std::string length_prefix;
};

/// POST /v2/models/{m}/infer for one image of `image_size` bytes: JSON
/// {"inputs": [{"name": "image", "datatype": "BYTES", "shape": [1, 1],
/// "parameters": {"binary_data_size": 4 + image_size}}], "outputs": [{"name":
/// "probabilities", "parameters": {"classification": top_k, "binary_data":
/// true}}]}; the body is json + length_prefix + the image. top_k <= 0 asks
/// kDefaultTopK.
InferBodyHead BuildClassifyBodyHead(size_t image_size, int top_k);

/// The predictions in an infer response body: `json_length` is its
/// Inference-Header-Content-Length (0 = all JSON). The "probabilities"
/// output's BYTES come from the binary part (outputs with binary_data_size
/// take it in order) or from its JSON "data". DATA_LOSS when the body does
/// not parse, the sizes do not add up, or the output is missing.
StatusOr<ClassifyResult> ParseClassifyBody(std::string_view body, size_t json_length);

/// The message of an error answer {"error": "..."}; else the body itself,
/// cut to 200 characters.
std::string ErrorMessage(std::string_view body);

/// The model names in GET /v2/models/stats ({"model_stats": [{"name": ...}]}).
/// DATA_LOSS when the document has another shape.
StatusOr<std::vector<std::string>> StatisticsModelNames(std::string_view body);

}  // namespace vit::client::oip
