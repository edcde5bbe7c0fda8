#include "model/checkpoint_convert.h"

#include <torch/types.h>

#include <map>
#include <regex>

namespace vit {
namespace {

bool HasKey(const TensorMap& tensors, const std::string& key) {
  for (const auto& [name, tensor] : tensors) {
    if (name == key) return true;
  }
  return false;
}

bool HasPrefix(const TensorMap& tensors, const std::string& prefix) {
  for (const auto& [name, tensor] : tensors) {
    if (name.rfind(prefix, 0) == 0) return true;
  }
  return false;
}

bool StartsWith(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

// Renames by ordered (regex, replacement) rules; the first match wins. Names
// no rule matches are kept, so strict loading reports them as unexpected.
std::string Rename(const std::string& name,
                   const std::vector<std::pair<std::regex, std::string>>& rules) {
  for (const auto& [pattern, replacement] : rules) {
    if (std::regex_match(name, pattern)) return std::regex_replace(name, pattern, replacement);
  }
  return name;
}

}  // namespace

const char* CheckpointFormatName(CheckpointFormat format) {
  switch (format) {
    case CheckpointFormat::kTimm:
      return "timm";
    case CheckpointFormat::kHuggingFace:
      return "huggingface";
    case CheckpointFormat::kTorchvision:
      return "torchvision";
    case CheckpointFormat::kUnknown:
      return "unknown";
  }
  return "unknown";
}

CheckpointFormat DetectCheckpointFormat(const TensorMap& tensors) {
  if (HasKey(tensors, "patch_embed.proj.weight") ||
      HasKey(tensors, "module.patch_embed.proj.weight")) {
    return CheckpointFormat::kTimm;
  }
  if (HasPrefix(tensors, "vit.embeddings.") || HasPrefix(tensors, "embeddings.patch_embeddings.")) {
    return CheckpointFormat::kHuggingFace;
  }
  if (HasKey(tensors, "conv_proj.weight")) return CheckpointFormat::kTorchvision;
  return CheckpointFormat::kUnknown;
}

StatusOr<TensorMap> ConvertHuggingFaceToTimm(TensorMap tensors) {
  static const std::vector<std::pair<std::regex, std::string>> kRules = {
      {std::regex(R"(embeddings\.cls_token)"), "cls_token"},
      {std::regex(R"(embeddings\.distillation_token)"), "dist_token"},
      {std::regex(R"(embeddings\.position_embeddings)"), "pos_embed"},
      {std::regex(R"(embeddings\.patch_embeddings\.projection\.(weight|bias))"),
       "patch_embed.proj.$1"},
      {std::regex(R"(encoder\.layer\.(\d+)\.layernorm_before\.(weight|bias))"),
       "blocks.$1.norm1.$2"},
      {std::regex(R"(encoder\.layer\.(\d+)\.layernorm_after\.(weight|bias))"),
       "blocks.$1.norm2.$2"},
      {std::regex(R"(encoder\.layer\.(\d+)\.attention\.output\.dense\.(weight|bias))"),
       "blocks.$1.attn.proj.$2"},
      {std::regex(R"(encoder\.layer\.(\d+)\.intermediate\.dense\.(weight|bias))"),
       "blocks.$1.mlp.fc1.$2"},
      {std::regex(R"(encoder\.layer\.(\d+)\.output\.dense\.(weight|bias))"),
       "blocks.$1.mlp.fc2.$2"},
      {std::regex(R"(layernorm\.(weight|bias))"), "norm.$1"},
      {std::regex(R"(classifier\.(weight|bias))"), "head.$1"},
  };
  static const std::regex kQkv(
      R"(encoder\.layer\.(\d+)\.attention\.attention\.(query|key|value)\.(weight|bias))");

  // blocks.N.attn.qkv.{weight,bias} -> {query, key, value} parts.
  std::map<std::string, std::map<std::string, torch::Tensor>> qkv_parts;
  TensorMap out;
  for (auto& [raw_name, tensor] : tensors) {
    std::string name = StartsWith(raw_name, "vit.") ? raw_name.substr(4) : raw_name;
    if (StartsWith(name, "pooler.")) continue;  // ViTModel's pooler is not part of classification
    std::smatch m;
    if (std::regex_match(name, m, kQkv)) {
      qkv_parts["blocks." + m[1].str() + ".attn.qkv." + m[3].str()][m[2].str()] = std::move(tensor);
      continue;
    }
    out.emplace_back(Rename(name, kRules), std::move(tensor));
  }
  for (auto& [name, parts] : qkv_parts) {
    if (parts.size() != 3) {
      return InvalidArgumentError("Hugging Face checkpoint: " + name +
                                  " needs query, key and value; found " +
                                  std::to_string(parts.size()) + " of them");
    }
    out.emplace_back(name, torch::cat({parts["query"], parts["key"], parts["value"]}, /*dim=*/0));
  }
  return out;
}

StatusOr<TensorMap> ConvertTorchvisionToTimm(TensorMap tensors) {
  static const std::vector<std::pair<std::regex, std::string>> kRules = {
      {std::regex(R"(class_token)"), "cls_token"},
      {std::regex(R"(conv_proj\.(weight|bias))"), "patch_embed.proj.$1"},
      {std::regex(R"(encoder\.pos_embedding)"), "pos_embed"},
      {std::regex(R"(encoder\.layers\.encoder_layer_(\d+)\.ln_1\.(weight|bias))"),
       "blocks.$1.norm1.$2"},
      {std::regex(R"(encoder\.layers\.encoder_layer_(\d+)\.ln_2\.(weight|bias))"),
       "blocks.$1.norm2.$2"},
      {std::regex(R"(encoder\.layers\.encoder_layer_(\d+)\.self_attention\.in_proj_(weight|bias))"),
       "blocks.$1.attn.qkv.$2"},
      {std::regex(
           R"(encoder\.layers\.encoder_layer_(\d+)\.self_attention\.out_proj\.(weight|bias))"),
       "blocks.$1.attn.proj.$2"},
      // MLPBlock is Sequential(Linear, GELU, Dropout, Linear, Dropout); old releases named them
      // linear_1/2.
      {std::regex(R"(encoder\.layers\.encoder_layer_(\d+)\.mlp\.(?:0|linear_1)\.(weight|bias))"),
       "blocks.$1.mlp.fc1.$2"},
      {std::regex(R"(encoder\.layers\.encoder_layer_(\d+)\.mlp\.(?:3|linear_2)\.(weight|bias))"),
       "blocks.$1.mlp.fc2.$2"},
      {std::regex(R"(encoder\.ln\.(weight|bias))"), "norm.$1"},
      {std::regex(R"(heads\.head\.(weight|bias))"), "head.$1"},
  };
  if (HasPrefix(tensors, "heads.pre_logits.")) {
    return UnimplementedError(
        "torchvision checkpoint has heads.pre_logits (representation_size): a tanh pre-logits "
        "layer that timm's "
        "ViT does not have; not supported");
  }
  TensorMap out;
  out.reserve(tensors.size());
  for (auto& [name, tensor] : tensors) out.emplace_back(Rename(name, kRules), std::move(tensor));
  return out;
}

StatusOr<TensorMap> ConvertToTimm(TensorMap tensors, CheckpointFormat* detected) {
  const CheckpointFormat format = DetectCheckpointFormat(tensors);
  if (detected != nullptr) *detected = format;
  switch (format) {
    case CheckpointFormat::kHuggingFace:
      return ConvertHuggingFaceToTimm(std::move(tensors));
    case CheckpointFormat::kTorchvision:
      return ConvertTorchvisionToTimm(std::move(tensors));
    case CheckpointFormat::kTimm:
      for (auto& entry : tensors) {
        if (StartsWith(entry.first, "module.")) entry.first = entry.first.substr(7);
      }
      return tensors;
    case CheckpointFormat::kUnknown:
      break;
  }
  return InvalidArgumentError(
      "unrecognised checkpoint: no timm (patch_embed.proj.weight), Hugging Face (vit.embeddings.*) "
      "or "
      "torchvision (conv_proj.weight) marker key among " +
      std::to_string(tensors.size()) + " tensors");
}

}  // namespace vit
