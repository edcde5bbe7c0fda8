#include "model/reference_engine.h"

#include <torch/torch.h>

#include "model/engine_common.h"
#include "model/model_loader.h"
#include "model/vision_transformer.h"

namespace vit {
namespace {

class ReferenceEngine final : public InferenceEngine {
 public:
  ReferenceEngine(LoadedModel model, at::ScalarType dtype, int threads);

  const ModelInfo& info() const override { return info_; }
  Status Run(const float* tokens, int batch, float* logits, float* features) override;
  Status RunWithAttention(const float* tokens, int batch, float* logits, float* features,
                          const AttentionCapture& capture) override;

 private:
  // Points every block's attention observer at `capture` (or clears them).
  void Observe(const AttentionCapture* capture);

  LoadedModel model_;
  const at::ScalarType dtype_;
  const int threads_;
  ModelInfo info_;
};

ReferenceEngine::ReferenceEngine(LoadedModel model, at::ScalarType dtype, int threads)
    : model_(std::move(model)), dtype_(dtype), threads_(threads) {
  info_ = DescribeCheckpoint(model_.inferred, model_.folder);
  for (const auto& p : model_.net->parameters()) info_.num_parameters += p.numel();
  if (dtype_ != at::kFloat) model_.net->to(dtype_);
  info_.dtype = dtype_ == at::kBFloat16 ? "bf16" : "fp32";
  info_.backend = "reference";
  info_.threads = threads_;
}

Status ReferenceEngine::Run(const float* tokens, int batch, float* logits, float* features) {
  VIT_RETURN_IF_ERROR(CheckBatch(batch));
  const auto& pre = info_.preprocess;
  try {
    torch::InferenceMode inference_mode;
    UseThreads(threads_);
    auto input =
        torch::from_blob(const_cast<float*>(tokens), {batch, pre.num_patches(), pre.token_dim()});
    if (dtype_ != at::kFloat) input = input.to(dtype_);
    // Patch grid of the preprocessing crop (may differ from the trained one
    // for dynamic-size models).
    auto out = model_.net->ForwardOutputs(input, pre.grid_height(), pre.grid_width());
    CopyFloats(out.logits, logits);
    CopyFloats(out.features, features);
    return Status::Ok();
  } catch (const std::exception& e) {
    return InternalError(std::string("inference failed: ") + e.what());
  }
}

Status ReferenceEngine::RunWithAttention(const float* tokens, int batch, float* logits,
                                         float* features, const AttentionCapture& capture) {
  VIT_RETURN_IF_ERROR(CheckBatch(batch));
  VIT_RETURN_IF_ERROR(CheckCapture(capture, batch));
  Observe(&capture);
  Status status = Run(tokens, batch, logits, features);
  Observe(nullptr);
  return status;
}

void ReferenceEngine::Observe(const AttentionCapture* capture) {
  const int depth = info_.depth;
  const int64_t t = info_.num_tokens();
  for (int l = 0; l < depth; ++l) {
    auto& attn = model_.net->blocks[l]->as<BlockImpl>()->attn;
    if (capture == nullptr) {
      attn->attention_observer = nullptr;
      continue;
    }
    attn->attention_observer = [capture, depth, t, l](const torch::Tensor& probs) {
      TORCH_CHECK(probs.dim() == 4 && probs.size(2) == t && probs.size(3) == t,
                  "attention capture expects [B, heads, ", t, ", ", t, "], got ", probs.sizes());
      const size_t tt = static_cast<size_t>(t * t);
      for (size_t i = 0; i < capture->fusion.size(); ++i) {
        if (!capture->fusion[i].has_value()) continue;
        const at::Tensor image = probs[static_cast<int64_t>(i)].to(at::kFloat).contiguous();
        FuseHeads(*capture->fusion[i], image.data_ptr<float>(), static_cast<int>(probs.size(1)), tt,
                  capture->attention + (i * depth + l) * tt);
      }
    };
  }
}

}  // namespace

StatusOr<std::unique_ptr<InferenceEngine>> LoadReferenceEngine(const std::string& model_dir,
                                                               at::ScalarType dtype, int threads) {
  VIT_ASSIGN_OR_RETURN(LoadedModel model, LoadModelFolder(model_dir));
  try {
    return std::unique_ptr<InferenceEngine>(
        std::make_unique<ReferenceEngine>(std::move(model), dtype, threads));
  } catch (const std::exception& e) {
    return InternalError(std::string("preparing the model for inference failed: ") + e.what());
  }
}

}  // namespace vit
