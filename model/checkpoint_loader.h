// Loads a model folder (config.json + weights) as checked timm-named weights:
// what the fast engine packs, and what the module loader places into a
// VisionTransformer. Needs no LibTorch module headers.
#pragma once

#include <string>

#include "common/status.h"
#include "model/config_inference.h"
#include "model/state_dict.h"
#include "model/tensor_map.h"

namespace vit {

/// A checkpoint's weights, in timm names, float32 on the CPU, checked
/// strictly against the architecture inferred from them.
struct Checkpoint {
  TensorMap weights;
  InferredModel inferred;
  /// Absolute model folder and the weights file inside it.
  std::string folder;
  std::string weights_path;
};

/// Finds the weights in `folder` (model.safetensors, else the only *.safetensors,
/// else model.pth / pytorch_model.bin / the only *.pth), reads config.json (and a
/// Hugging Face preprocessor_config.json) when present, converts foreign names to
/// timm's, infers the architecture and checks every weight's name and shape
/// against it (missing, unexpected and mis-shaped keys are all listed).
/// Safetensors weights are validated from the header before any data is read;
/// their tensors view a private mapping of the file, whose pages leave the
/// process as each tensor is freed.
StatusOr<Checkpoint> LoadCheckpoint(const std::string& folder);

/// Every parameter's timm name and shape for `config`, from a module built
/// without weights.
ShapeMap ExpectedParameterShapes(const VitConfig& config);

}  // namespace vit
