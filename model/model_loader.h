// Loads a model folder (config.json + weights) into a VisionTransformer.
#pragma once

#include <string>

#include "common/status.h"
#include "model/config_inference.h"
#include "model/vision_transformer.h"

namespace vit {

struct LoadedModel {
  VisionTransformer net{nullptr};
  InferredModel inferred;
  /// Absolute model folder and the weights file inside it.
  std::string folder;
  std::string weights_path;
};

/// Finds the weights in `folder` (model.safetensors, else the only *.safetensors,
/// else model.pth / pytorch_model.bin / the only *.pth), reads config.json (and a
/// Hugging Face preprocessor_config.json) when present, converts foreign names to
/// timm's, infers the architecture and loads strictly, in eval mode, float32.
/// Safetensors weights are validated from the header before any data is read,
/// and the model is never held twice in memory.
StatusOr<LoadedModel> LoadModelFolder(const std::string& folder);

}  // namespace vit
