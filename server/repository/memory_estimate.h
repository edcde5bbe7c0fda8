// How much memory a model version will take once loaded, estimated before
// loading it from the size of its weight files: the engines keep one copy of
// the weights in the dtype they compute in, so the estimate is
//   weights file bytes x (1.0 for fp32 and auto, 0.5 for bf16, 0.25 for int8)
// assuming fp32 checkpoints ("auto" may pick bf16: counted as fp32, the
// larger). Activations and the batch buffers are not counted (they are
// small next to the weights for the batch sizes the server uses).
#pragma once

#include <cstdint>
#include <string>

namespace vit::server::repository {

/// Estimated resident bytes of a version with `weights_bytes` of weight files
/// loaded as `dtype` ("auto", "fp32", "bf16", "int8").
int64_t EstimateModelBytes(int64_t weights_bytes, const std::string& dtype);

}  // namespace vit::server::repository
