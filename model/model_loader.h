// Loads a model folder into a VisionTransformer module (the reference engine,
// training, tests); see checkpoint_loader.h for the weights alone.
#pragma once

#include <string>

#include "common/status.h"
#include "model/checkpoint_loader.h"
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

/// LoadCheckpoint, then the weights placed into a VisionTransformer in eval
/// mode, float32, sharing their storage (the model is never held twice).
StatusOr<LoadedModel> LoadModelFolder(const std::string& folder);

}  // namespace vit
