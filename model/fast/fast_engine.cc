#include "model/fast/fast_engine.h"

#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>

#include "model/engine_common.h"

namespace vit::fast {

StatusOr<std::unique_ptr<InferenceEngine>> FastEngine::Create(Checkpoint checkpoint,
                                                              Precision precision, int threads) {
  ModelInfo info = DescribeCheckpoint(checkpoint.inferred, checkpoint.folder);
  for (const auto& [name, tensor] : checkpoint.weights) info.num_parameters += tensor.numel();
  if (precision == Precision::kInt8) VIT_RETURN_IF_ERROR(CheckInt8Support(DetectInt8Isa()));
  info.dtype = precision == Precision::kInt8   ? "int8"
               : precision == Precision::kBf16 ? "bf16"
                                               : "fp32";
  info.backend = "fast";
  info.threads = threads;
  FastVitOptions options;
  options.precision = precision;
  const auto& pre = info.preprocess;
  try {
    UseThreads(threads);
    auto runner =
        std::make_unique<FastVitRunner>(checkpoint.inferred.vit, std::move(checkpoint.weights),
                                        pre.grid_height(), pre.grid_width(), options);
    return std::unique_ptr<InferenceEngine>(
        new FastEngine(std::move(runner), std::move(info), threads));
  } catch (const std::exception& e) {
    return InternalError("preparing '" + checkpoint.folder +
                         "' for the fast engine failed: " + e.what());
  }
}

Status FastEngine::Run(const float* tokens, int batch, float* logits, float* features) {
  return RunChecked(tokens, batch, logits, features, AttentionCapture{});
}

Status FastEngine::RunWithAttention(const float* tokens, int batch, float* logits, float* features,
                                    const AttentionCapture& capture) {
  VIT_RETURN_IF_ERROR(CheckCapture(capture, batch));
  return RunChecked(tokens, batch, logits, features, capture);
}

Status FastEngine::RunChecked(const float* tokens, int batch, float* logits, float* features,
                              const AttentionCapture& capture) {
  VIT_RETURN_IF_ERROR(CheckBatch(batch));
  try {
    c10::InferenceMode inference_mode;
    UseThreads(threads_);
    FastVitRunner::Outputs out = runner_->Run(tokens, batch, capture);
    CopyFloats(out.logits, logits);
    CopyFloats(out.features, features);
    return Status::Ok();
  } catch (const std::exception& e) {
    return InternalError(std::string("inference failed: ") + e.what());
  }
}

}  // namespace vit::fast
