// The fast engine: a FastVitRunner (weights prepacked for oneDNN, fused
// kernels) behind the InferenceEngine interface. The default backend.
#pragma once

#include <memory>

#include "model/checkpoint_loader.h"
#include "model/fast/fast_vit_runner.h"
#include "model/inference_engine.h"

namespace vit::fast {

class FastEngine final : public InferenceEngine {
 public:
  /// Packs the checkpoint's weights for its preprocessing grid. INTERNAL when
  /// oneDNN or the packing fails; `threads` >= 1.
  static StatusOr<std::unique_ptr<InferenceEngine>> Create(Checkpoint checkpoint,
                                                           Precision precision, int threads);

  const ModelInfo& info() const override { return info_; }
  Status Run(const float* tokens, int batch, float* logits, float* features) override;
  Status RunWithAttention(const float* tokens, int batch, float* logits, float* features,
                          const AttentionCapture& capture) override;

 private:
  // Run with `capture` already checked (an empty one captures nothing).
  Status RunChecked(const float* tokens, int batch, float* logits, float* features,
                    const AttentionCapture& capture);
  FastEngine(std::unique_ptr<FastVitRunner> runner, ModelInfo info, int threads)
      : runner_(std::move(runner)), info_(std::move(info)), threads_(threads) {}

  std::unique_ptr<FastVitRunner> runner_;
  const ModelInfo info_;
  const int threads_;
};

}  // namespace vit::fast
