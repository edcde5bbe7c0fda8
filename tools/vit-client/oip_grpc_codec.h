// The Open Inference Protocol over gRPC, as vit-client speaks it: the
// ModelInfer request that classifies one image and the reading of its
// answer, as pure functions (unit-tested with canned messages).
#pragma once

#include <string>

#include "common/status.h"
#include "inference/grpc_service.pb.h"
#include "tools/vit-client/front_door.h"

namespace vit::client::oip {

/// ModelInfer for `model`: input "image" BYTES [1, 1] in raw_input_contents
/// (4-byte little-endian length + the encoded image), output "probabilities"
/// with parameter classification = `top_k` (kDefaultTopK when <= 0).
inference::ModelInferRequest BuildClassifyRequest(const std::string& model,
                                                  const std::string& image, int top_k);

/// The predictions in the "probabilities" output of a classification
/// request: BYTES [1, k] of "value:index:label", from raw_output_contents
/// (matched to the outputs by position) or from contents.bytes_contents.
/// DATA_LOSS when the output is missing, not BYTES, or does not parse.
StatusOr<ClassifyResult> ParseClassifyResponse(const inference::ModelInferResponse& response);

/// The model names in a ModelStatistics answer (one per model version).
std::vector<std::string> StatisticsModelNames(const inference::ModelStatisticsResponse& response);

}  // namespace vit::client::oip
