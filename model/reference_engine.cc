#include "model/reference_engine.h"

#include <torch/torch.h>

#include "model/engine_common.h"
#include "model/model_loader.h"

namespace vit {
namespace {

class ReferenceEngine final : public InferenceEngine {
 public:
  ReferenceEngine(LoadedModel model, at::ScalarType dtype, int threads);

  const ModelInfo& info() const override { return info_; }
  Status Run(const float* tokens, int batch, float* logits, float* features) override;

 private:
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
