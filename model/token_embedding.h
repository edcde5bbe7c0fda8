// The prefix tokens and position embeddings of a ViT for one patch grid,
// shared by the LibTorch module (reference engine, training) and the fast
// engine, so both resample and combine them the same way.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>

#include "model/vit_config.h"

namespace vit {

struct TokenEmbedding {
  /// [num_prefix, D]: the class, distillation and register tokens, in that
  /// order, each with its position embedding added (unless no_embed_class).
  at::Tensor prefix;
  /// [grid_h * grid_w, D]: the patches' position embeddings for the grid.
  at::Tensor patch_pos;
};

/// Undefined tensors stand for tokens the config does not have. `pos_embed`
/// is [1, (prefix) + trained grid, D] and is resampled bicubically when the
/// grid differs from the trained one; throws c10::Error when it differs and
/// the model has no dynamic image size. Differentiable (training uses it).
TokenEmbedding EmbeddingForGrid(const VitConfig& config, const at::Tensor& cls_token,
                                const at::Tensor& dist_token, const at::Tensor& reg_token,
                                const at::Tensor& pos_embed, int64_t grid_h, int64_t grid_w);

}  // namespace vit
