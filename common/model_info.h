// Description of a loaded model, for logs, GetModelInfo and vit-info.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/preprocess_spec.h"

namespace vit {

struct ModelInfo {
  /// Stable identifier: the model folder's name (e.g. "vit-fashion-mnist").
  std::string id;
  /// Absolute folder the model was loaded from.
  std::string path;
  /// Checkpoint family: "timm", "huggingface", "torchvision" or "vit-serve".
  std::string source_format;
  /// Human-readable architecture, e.g. "vit depth=12 dim=768 heads=12 patch=16".
  std::string architecture;
  int64_t num_parameters = 0;
  int num_classes = 0;
  /// Length of the pooled feature vector returned by Embed.
  int feature_dim = 0;
  /// Transformer blocks (what an attention capture holds per image).
  int depth = 0;
  /// Prefix tokens before the patches: class, distillation and register tokens.
  int num_prefix_tokens = 0;
  /// Whether token 0 is a class token (else the model average-pools).
  bool has_class_token = false;
  /// Class names, num_classes long.
  std::vector<std::string> labels;
  /// What the model expects; the preprocessing library executes it.
  PreprocessSpec preprocess;
  /// "fp32" or "bf16": what inference actually runs in.
  std::string dtype = "fp32";
  /// The engine that runs it: "fast" (oneDNN, model/fast/) or "reference"
  /// (the LibTorch module).
  std::string backend = "fast";
  /// "cpu" (a CUDA LibTorch would report "cuda").
  std::string device = "cpu";
  int threads = 1;

  /// Tokens the blocks see: the prefix tokens and the preprocessing grid's patches.
  int num_tokens() const { return num_prefix_tokens + preprocess.num_patches(); }
};

}  // namespace vit
