#include "model/classifier_head.h"

#include <ATen/ATen.h>

namespace vit {

at::Tensor PoolTokens(const VitConfig& config, const at::Tensor& tokens) {
  if (config.global_pool == "avg") {
    const int64_t prefix = config.num_prefix_tokens();
    return tokens.narrow(/*dim=*/1, prefix, tokens.size(1) - prefix).mean(/*dim=*/1);
  }
  // DeiT: pre-logits features are the mean of the class and distillation tokens.
  if (config.distilled) return (tokens.select(1, 0) + tokens.select(1, 1)) / 2;
  return tokens.select(/*dim=*/1, /*index=*/0);
}

at::Tensor HeadLogits(const VitConfig& config, const at::Tensor& tokens, const at::Tensor& features,
                      const HeadWeights& head) {
  if (config.distilled) {
    // Eval logits of DeiT: the mean of both heads applied to their own tokens.
    return (at::linear(tokens.select(1, 0), head.weight, head.bias) +
            at::linear(tokens.select(1, 1), head.dist_weight, head.dist_bias)) /
           2;
  }
  return at::linear(features, head.weight, head.bias);
}

}  // namespace vit
