// The reference engine: the LibTorch VisionTransformer module as loaded (bf16
// by converting the module). Slower than the fast engine; what the fast one
// is checked against. The class lives in the .cc, so that callers do not
// pull in the LibTorch module headers.
#pragma once

#include <c10/core/ScalarType.h>

#include <memory>
#include <string>

#include "model/inference_engine.h"

namespace vit {

/// LoadModelFolder(model_dir) behind the InferenceEngine interface. `dtype`
/// is at::kFloat or at::kBFloat16; `threads` >= 1.
StatusOr<std::unique_ptr<InferenceEngine>> LoadReferenceEngine(const std::string& model_dir,
                                                               at::ScalarType dtype, int threads);

}  // namespace vit
