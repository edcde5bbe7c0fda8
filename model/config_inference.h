// Architecture, preprocessing and labels of a checkpoint, inferred from its
// weights (shapes and present keys) plus its config.json.
#pragma once

#include <string>
#include <vector>

#include "common/preprocess_spec.h"
#include "common/status.h"
#include "model/checkpoint_convert.h"
#include "model/tensor_map.h"
#include "model/vit_config.h"

namespace vit {

struct ConfigFiles {
  /// Model folder, for error messages.
  std::string folder;
  /// Text of config.json ("" when absent).
  std::string config_json;
  /// Text of a Hugging Face preprocessor_config.json ("" when absent).
  std::string preprocessor_json;
};

struct InferredModel {
  VitConfig vit;
  PreprocessSpec preprocess;
  std::vector<std::string> labels;
  /// "timm", "huggingface", "torchvision" or "vit-serve".
  std::string source_format;
};

/// `tensors` are already in timm names (ConvertToTimm); `format` is what was
/// detected from the original keys. Shapes may live on the meta device.
StatusOr<InferredModel> InferModel(const TensorMap& tensors, CheckpointFormat format,
                                   const ConfigFiles& files);

}  // namespace vit
