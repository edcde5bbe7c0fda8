// A Vision Transformer in the LibTorch C++ frontend whose module and parameter
// names are timm's (cls_token, reg_token, pos_embed, patch_embed.proj,
// blocks.N.{norm1,attn.qkv,attn.proj,ls1.gamma,norm2,mlp.fc1,mlp.fc2,ls2.gamma},
// norm, fc_norm, head, head_dist), so timm checkpoints load without renaming.
#pragma once

#include <torch/torch.h>

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "model/vit_config.h"

namespace vit {

/// Patch embedding as a linear projection of flattened patches. The weight is
/// stored as timm's conv weight [D, C, P, P] (`patch_embed.proj`) and applied
/// as a [D, C*P*P] matrix to tokens [B, N, C*P*P] laid out (C, ph, pw).
class PatchEmbedImpl : public torch::nn::Module {
 public:
  PatchEmbedImpl(int in_chans, int patch_size, int embed_dim);
  /// tokens [B, N, C*P*P] -> [B, N, D]
  torch::Tensor forward(const torch::Tensor& tokens);
  /// Pixels [B, C, H, W] (H, W multiples of P) -> tokens [B, N, C*P*P].
  torch::Tensor Patchify(const torch::Tensor& pixels) const;

  torch::nn::Conv2d proj{nullptr};

 private:
  int patch_size_;
};
TORCH_MODULE(PatchEmbed);

class AttentionImpl : public torch::nn::Module {
 public:
  AttentionImpl(int dim, int num_heads, bool qkv_bias);
  torch::Tensor forward(const torch::Tensor& x);

  torch::nn::Linear qkv{nullptr};
  torch::nn::Linear proj{nullptr};
  /// When set, forward() hands it the softmax attention [B, heads, T, T]
  /// (explanations: model/reference_engine.cc). Unset by default.
  std::function<void(const torch::Tensor&)> attention_observer;

 private:
  int num_heads_;
  double scale_;
};
TORCH_MODULE(Attention);

class MlpImpl : public torch::nn::Module {
 public:
  MlpImpl(int dim, int hidden_dim);
  torch::Tensor forward(const torch::Tensor& x);

  torch::nn::Linear fc1{nullptr};
  torch::nn::Linear fc2{nullptr};
};
TORCH_MODULE(Mlp);

/// Per-channel learned scale (`gamma`).
class LayerScaleImpl : public torch::nn::Module {
 public:
  explicit LayerScaleImpl(int dim, double init_value = 1e-5);
  torch::Tensor forward(const torch::Tensor& x) { return x * gamma; }

  torch::Tensor gamma;
};
TORCH_MODULE(LayerScale);

/// Pre-norm transformer block: x + ls1(attn(norm1(x))), then x + ls2(mlp(norm2(x))).
class BlockImpl : public torch::nn::Module {
 public:
  BlockImpl(const VitConfig& config, double drop_path);
  torch::Tensor forward(torch::Tensor x);

  torch::nn::LayerNorm norm1{nullptr};
  Attention attn{nullptr};
  /// LayerScale, or Identity when the config has none (as in timm: the
  /// forward has no branch and the weight names stay the same).
  torch::nn::AnyModule ls1;
  torch::nn::LayerNorm norm2{nullptr};
  Mlp mlp{nullptr};
  torch::nn::AnyModule ls2;

 private:
  torch::Tensor Residual(const torch::Tensor& branch) const;
  double drop_path_;
  double dropout_;
};
TORCH_MODULE(Block);

/// What the VisionTransformer constructor does with the parameters it creates.
enum class ParameterInit {
  /// timm's initialisation, for training from scratch.
  kRandom,
  /// A checkpoint follows: each part's storage is freed as soon as the part is
  /// built, so a loading process never holds a random copy of the whole model.
  kReleased,
};

class VisionTransformerImpl : public torch::nn::Module {
 public:
  explicit VisionTransformerImpl(const VitConfig& config,
                                 ParameterInit init = ParameterInit::kRandom);

  const VitConfig& config() const { return config_; }
  /// Every parameter's timm name and shape as constructed (also after kReleased).
  const std::map<std::string, std::vector<int64_t>>& parameter_shapes() const {
    return parameter_shapes_;
  }

  /// Input: tokens [B, N, C*P*P] on a grid_h x grid_w patch grid (0, 0 = the
  /// trained grid), or pixels [B, C, H, W]. Returns all tokens after the final
  /// norm: [B, prefix + N, D].
  torch::Tensor ForwardFeatures(const torch::Tensor& input, int64_t grid_h = 0, int64_t grid_w = 0);
  /// Pools (token or avg), applies fc_norm: [B, D] pre-logits features.
  torch::Tensor Pool(const torch::Tensor& features);
  /// Pre-logits features [B, D] -> logits [B, num_classes].
  torch::Tensor ForwardHead(const torch::Tensor& features);
  struct Outputs {
    torch::Tensor logits;    // [B, num_classes]
    torch::Tensor features;  // [B, D], pre-logits
  };
  /// Logits and pooled features in one pass (see ForwardFeatures for input).
  Outputs ForwardOutputs(const torch::Tensor& input, int64_t grid_h = 0, int64_t grid_w = 0);
  /// Logits for tokens or pixels (see ForwardFeatures).
  torch::Tensor forward(const torch::Tensor& input, int64_t grid_h = 0, int64_t grid_w = 0);

  torch::Tensor cls_token;   // [1, 1, D] when class_token
  torch::Tensor dist_token;  // [1, 1, D] when distilled
  torch::Tensor reg_token;   // [1, R, D] when num_reg_tokens > 0
  torch::Tensor pos_embed;   // [1, (prefix) + grid, D]
  PatchEmbed patch_embed{nullptr};
  torch::nn::ModuleList blocks{nullptr};
  torch::nn::LayerNorm norm{nullptr};     // null with fc_norm
  torch::nn::LayerNorm fc_norm{nullptr};  // null without fc_norm
  torch::nn::Linear head{nullptr};
  torch::nn::Linear head_dist{nullptr};  // null unless distilled

 private:
  /// Patch embeddings [B, N, D] -> prefix tokens + patches with positions.
  torch::Tensor AddPositionAndPrefix(const torch::Tensor& x, int64_t grid_h, int64_t grid_w);
  // Records the shapes of `part`'s parameters under `prefix`; frees them for kReleased.
  void Settle(const std::string& prefix, torch::nn::Module& part, ParameterInit init);
  VitConfig config_;
  std::map<std::string, std::vector<int64_t>> parameter_shapes_;
};
TORCH_MODULE(VisionTransformer);

}  // namespace vit
