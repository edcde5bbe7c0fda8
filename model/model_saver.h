// Writes a VisionTransformer as a model folder in vit-serve's native format:
// model.safetensors (float32, timm parameter names) and config.json (timm-style
// "model_args" and "pretrained_cfg" plus "format": "vit-serve"), which
// LoadModelFolder reads back into the same architecture and preprocessing.
#pragma once

#include <string>
#include <vector>

#include "common/preprocess_spec.h"
#include "common/status.h"
#include "model/vit_config.h"

namespace vit {

class VisionTransformer;  // model/vision_transformer.h

/// Creates `dir` if needed and writes model.safetensors + config.json into it.
/// `labels` must have one name per class; `spec` supplies channels, mean/std,
/// interpolation and the resize rule (crop_pct = input size / resize_shorter_side).
Status SaveModelFolder(const std::string& dir, VisionTransformer& net,
                       const std::vector<std::string>& labels, const PreprocessSpec& spec);

/// The config.json text SaveModelFolder writes (exposed for tests and tools).
std::string NativeConfigJson(const VitConfig& config, const std::vector<std::string>& labels,
                             const PreprocessSpec& spec);

}  // namespace vit
