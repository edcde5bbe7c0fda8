// The Open Inference Protocol's inference request and response as plain C++
// values, independent of the wire: the gRPC service (KServe v2
// GRPCInferenceService) and the HTTP/REST codec (JSON and Triton's binary
// tensor data extension) both convert to and from these, and
// oip::InferenceRunner executes them on the InferencePipeline.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace vit::server::oip {

// The tensor names this server accepts and returns (ModelMetadata lists them).
inline constexpr std::string_view kImageInput = "image";  // BYTES [batch] or [batch, 1]
inline constexpr std::string_view kPixelValuesInput = "pixel_values";      // FP32 [batch, C, H, W]
inline constexpr std::string_view kLogitsOutput = "logits";                // FP32 [batch, classes]
inline constexpr std::string_view kProbabilitiesOutput = "probabilities";  // FP32 [batch, classes]
inline constexpr std::string_view kEmbeddingOutput = "embedding";  // FP32 [batch, feature_dim]

// The protocol's datatype names.
inline constexpr std::string_view kBytes = "BYTES";
inline constexpr std::string_view kFp32 = "FP32";

/// One input tensor. Exactly one of `bytes_elements` (datatype BYTES) or
/// `fp32` (datatype FP32) holds the data, as decoded by the codec; both point
/// into memory the request's owner keeps alive until the response is done
/// (the protobuf message or the HTTP body), or into `fp32_storage`.
struct InputTensor {
  std::string name;
  std::string datatype;
  std::vector<int64_t> shape;
  /// BYTES: one view per element, in row-major order.
  std::vector<std::string_view> bytes_elements;
  /// FP32: `fp32_count` floats, row-major. Possibly unaligned when it points
  /// into a wire buffer: read it with memcpy.
  const void* fp32 = nullptr;
  size_t fp32_count = 0;
  /// Owns the floats when the codec had to convert them (JSON numbers,
  /// typed protobuf contents copied out).
  std::vector<float> fp32_storage;
};

/// One output the client asked for.
struct RequestedOutput {
  std::string name;
  /// Triton's classification extension: > 0 returns the top `classification`
  /// classes as BYTES "value:index:label" instead of the tensor. 0 = off.
  int classification = 0;
  /// HTTP only: send this output in the binary tensor data extension
  /// (parameter "binary_data"). Carried through unchanged; the codec uses it.
  bool binary_data = false;
};

struct InferRequest {
  /// The model's name; required (the protocol names the model on every call).
  std::string model_name;
  /// Empty = the served version.
  std::string model_version;
  /// Echoed in the response.
  std::string id;
  std::vector<InputTensor> inputs;
  /// Empty = every output (logits, probabilities, embedding).
  std::vector<RequestedOutput> outputs;
  /// HTTP: "binary_data_output" request parameter (all outputs binary unless
  /// an output says otherwise). Carried through for the codec.
  bool binary_data_output = false;
};

/// One output tensor of the response: FP32 data in `fp32`, or BYTES in
/// `bytes_elements` (the classification extension).
struct OutputTensor {
  std::string name;
  std::string datatype;
  std::vector<int64_t> shape;
  std::vector<float> fp32;
  std::vector<std::string> bytes_elements;
  /// Copied from the RequestedOutput (false when the output was implied).
  bool binary_data = false;
};

struct InferResponse {
  std::string model_name;
  std::string model_version;
  std::string id;
  std::vector<OutputTensor> outputs;
};

/// Number of elements of `shape` (1 for a scalar shape []); -1 when a
/// dimension is negative or the product overflows int64.
int64_t ElementCount(const std::vector<int64_t>& shape);
/// "[8, 3, 224, 224]", for error messages.
std::string ShapeToString(const std::vector<int64_t>& shape);

}  // namespace vit::server::oip
