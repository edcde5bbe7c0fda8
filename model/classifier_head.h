// Pooling and the classifier head of a ViT, shared by the LibTorch module and
// the fast engine: token or average pooling, and DeiT's two heads.
#pragma once

#include <ATen/core/Tensor.h>

#include "model/vit_config.h"

namespace vit {

/// `tokens` [B, T, D] after the final norm -> pre-logits [B, D] before
/// fc_norm: the class token ("token"), the mean of the class and distillation
/// tokens (DeiT), or the mean of the patch tokens ("avg"; T must then cover
/// every token, while token pooling only reads the prefix rows).
at::Tensor PoolTokens(const VitConfig& config, const at::Tensor& tokens);

struct HeadWeights {
  at::Tensor weight, bias;            // head: [classes, D], [classes]
  at::Tensor dist_weight, dist_bias;  // head_dist, when distilled
};

/// Logits [B, classes] from the pooled `features` [B, D], or for DeiT the mean
/// of head(class token) and head_dist(distillation token) of `tokens`.
at::Tensor HeadLogits(const VitConfig& config, const at::Tensor& tokens, const at::Tensor& features,
                      const HeadWeights& head);

}  // namespace vit
