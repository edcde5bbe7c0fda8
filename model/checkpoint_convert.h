// Pure functions that map foreign state dicts onto timm's parameter names,
// recognising each format by marker keys (as timm's checkpoint_filter_fn).
#pragma once

#include <string>

#include "common/status.h"
#include "model/tensor_map.h"

namespace vit {

enum class CheckpointFormat { kTimm, kHuggingFace, kTorchvision, kUnknown };

const char* CheckpointFormatName(CheckpointFormat format);

/// timm: `patch_embed.proj.weight`; Hugging Face ViT: `vit.embeddings.` or
/// `embeddings.patch_embeddings.`; torchvision: `conv_proj.weight`.
CheckpointFormat DetectCheckpointFormat(const TensorMap& tensors);

/// Hugging Face ViTForImageClassification / ViTModel -> timm names
/// (query/key/value concatenated into attn.qkv; the unused pooler dropped).
StatusOr<TensorMap> ConvertHuggingFaceToTimm(TensorMap tensors);

/// torchvision VisionTransformer -> timm names.
StatusOr<TensorMap> ConvertTorchvisionToTimm(TensorMap tensors);

/// Detects the format and converts to timm names (timm passes through, with a
/// leading `module.` prefix stripped). Works on meta tensors too.
StatusOr<TensorMap> ConvertToTimm(TensorMap tensors, CheckpointFormat* detected = nullptr);

}  // namespace vit
