// inference.ModelInferRequest / ModelInferResponse (the Open Inference
// Protocol's gRPC messages) <-> the wire-independent oip::InferRequest /
// InferResponse. Input data is not copied: the request's tensors are views
// into the protobuf message, which must outlive them. What the values mean
// (names, datatypes, shapes, element counts) is checked by InferenceRunner,
// not here; here only what the wire encoding itself can get wrong.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "inference/grpc_service.pb.h"
#include "server/oip/tensor.h"

namespace vit::server::oip {

/// Fills `out` from `proto`. Inputs come from their typed `contents`
/// (bytes_contents for BYTES, fp32_contents for FP32) or, when the request
/// has raw_input_contents, from raw_input_contents[i] for inputs[i]. Other
/// datatypes are passed on without data (the runner names the expected
/// one). Output parameter "classification" (int64, uint64 or a decimal
/// string) sets RequestedOutput::classification. INVALID_ARGUMENT naming the
/// tensor for: raw_input_contents not one per input, raw and typed data
/// mixed, typed data in a field other than the datatype's, a malformed raw
/// BYTES or FP32 buffer, a classification that is not a positive integer.
Status FromGrpcRequest(const inference::ModelInferRequest& proto, InferRequest* out);

/// True when `proto` carries its data in raw_input_contents; Triton then
/// answers in raw_output_contents too.
bool UsesRawContents(const inference::ModelInferRequest& proto);

/// Fills `out` from `response`: the outputs' data as typed `contents`, or,
/// when `raw`, as raw_output_contents in the order of the outputs.
void ToGrpcResponse(const InferResponse& response, bool raw, inference::ModelInferResponse* out);

/// A raw BYTES tensor (each element a 4-byte little-endian length, then that
/// many bytes) as one view per element into `raw`. INVALID_ARGUMENT naming
/// `tensor` when a length or an element runs past the end.
StatusOr<std::vector<std::string_view>> SplitRawBytes(std::string_view raw,
                                                      const std::string& tensor);
/// The inverse: `elements` in the raw BYTES encoding.
std::string JoinRawBytes(const std::vector<std::string>& elements);

}  // namespace vit::server::oip
