// The reference engine: the LibTorch VisionTransformer module as loaded (bf16
// by converting the module). Slower than the fast engine; what the fast one
// is checked against.
#pragma once

#include <ATen/core/Tensor.h>

#include "model/inference_engine.h"
#include "model/model_loader.h"

namespace vit {

class ReferenceEngine final : public InferenceEngine {
 public:
  /// `dtype` is at::kFloat or at::kBFloat16; `threads` >= 1.
  ReferenceEngine(LoadedModel model, at::ScalarType dtype, int threads);

  const ModelInfo& info() const override { return info_; }
  Status Run(const float* tokens, int batch, float* logits, float* features) override;

 private:
  LoadedModel model_;
  const at::ScalarType dtype_;
  const int threads_;
  ModelInfo info_;
};

}  // namespace vit
