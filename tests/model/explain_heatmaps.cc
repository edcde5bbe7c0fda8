#include "tests/model/explain_heatmaps.h"

#include <optional>

#include "common/attention_capture.h"
#include "common/attention_rollout.h"
#include "common/patch_tokens.h"
#include "model/safetensors.h"

namespace vit::testing {

StatusOr<std::vector<float>> ReferenceTokens(const std::string& folder, const ModelInfo& info,
                                             int* batch) {
  VIT_ASSIGN_OR_RETURN(TensorMap tensors, ReadSafetensors(folder + "/reference.safetensors"));
  at::Tensor pixels;
  for (const auto& [name, tensor] : tensors)
    if (name == "pixel_values") pixels = tensor.contiguous();
  if (!pixels.defined()) return NotFoundError(folder + ": no pixel_values in the reference");
  const PreprocessSpec& spec = info.preprocess;
  if (pixels.dim() != 4 || pixels.size(1) != spec.channels || pixels.size(2) != spec.input_height ||
      pixels.size(3) != spec.input_width)
    return InvalidArgumentError(folder + ": pixel_values do not fit the model's input");
  *batch = static_cast<int>(pixels.size(0));
  const size_t per_image = static_cast<size_t>(spec.num_patches()) * spec.token_dim();
  std::vector<float> tokens(per_image * *batch);
  const size_t chw = static_cast<size_t>(spec.channels) * spec.input_height * spec.input_width;
  for (int b = 0; b < *batch; ++b) {
    ChwToPatchTokens(pixels.data_ptr<float>() + b * chw, spec.channels, spec.input_height,
                     spec.input_width, spec.patch_size, tokens.data() + b * per_image);
  }
  return tokens;
}

StatusOr<std::vector<Heatmap>> EngineHeatmaps(InferenceEngine& engine,
                                              const std::vector<float>& tokens, int batch,
                                              HeadFusion fusion, const ExplainSpec& spec) {
  const ModelInfo& info = engine.info();
  const int t = info.num_tokens();
  std::vector<float> attention(AttentionCaptureSize(batch, info.depth, t));
  AttentionCapture capture{std::vector<std::optional<HeadFusion>>(batch, fusion), attention.data()};
  std::vector<float> logits(static_cast<size_t>(batch) * info.num_classes);
  VIT_RETURN_IF_ERROR(
      engine.RunWithAttention(tokens.data(), batch, logits.data(), nullptr, capture));
  AttentionGeometry geometry{info.depth,
                             t,
                             info.num_prefix_tokens,
                             info.has_class_token,
                             info.preprocess.grid_height(),
                             info.preprocess.grid_width()};
  std::vector<Heatmap> heatmaps;
  for (int b = 0; b < batch; ++b) {
    VIT_ASSIGN_OR_RETURN(
        Heatmap heatmap,
        ComputeHeatmap(attention.data() + AttentionCaptureSize(b, info.depth, t), geometry, spec));
    heatmaps.push_back(std::move(heatmap));
  }
  return heatmaps;
}

}  // namespace vit::testing
