// Test helpers: an engine's heat maps for a fixture's reference pixel_values.
#pragma once

#include <string>
#include <vector>

#include "common/explanation.h"
#include "common/status.h"
#include "model/inference_engine.h"

namespace vit::testing {

/// The fixture's reference.safetensors pixel_values [B, C, H, W] as patch
/// tokens for `info`'s grid; `batch` receives B.
StatusOr<std::vector<float>> ReferenceTokens(const std::string& folder, const ModelInfo& info,
                                             int* batch);

/// One RunWithAttention of `tokens` (every image captured with `fusion`),
/// then the heat map of each image for `spec` (its head_fusion ignored).
StatusOr<std::vector<Heatmap>> EngineHeatmaps(InferenceEngine& engine,
                                              const std::vector<float>& tokens, int batch,
                                              HeadFusion fusion, const ExplainSpec& spec);

}  // namespace vit::testing
