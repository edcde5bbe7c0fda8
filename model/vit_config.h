// The architecture of a Vision Transformer, in timm's terms.
#pragma once

#include <string>

namespace vit {

struct VitConfig {
  /// Size the position embeddings were trained for (pixels).
  int img_height = 224;
  int img_width = 224;
  /// Square patch size of the patch embedding.
  int patch_size = 16;
  /// Input channels: 3 for RGB, 1 for grayscale.
  int in_chans = 3;
  /// Number of output classes of `head` (and `head_dist`).
  int num_classes = 1000;
  /// Token width.
  int embed_dim = 768;
  /// Number of transformer blocks.
  int depth = 12;
  /// Attention heads per block; embed_dim must divide evenly.
  int num_heads = 12;
  /// Hidden width of each block's MLP (timm: embed_dim * mlp_ratio).
  int mlp_hidden_dim = 3072;
  /// Whether attn.qkv has a bias.
  bool qkv_bias = true;
  /// A learned class token is prepended (`cls_token`).
  bool class_token = true;
  /// DeiT distillation token (`dist_token`) and `head_dist`; eval logits are
  /// the mean of both heads.
  bool distilled = false;
  /// Register tokens (`reg_token`), prepended after the class token.
  int num_reg_tokens = 0;
  /// Position embeddings cover the patches only, not the prefix tokens.
  bool no_embed_class = false;
  /// "token" (first token) or "avg" (mean of the patch tokens).
  std::string global_pool = "token";
  /// A final LayerNorm after pooling (`fc_norm`) instead of before (`norm`).
  bool fc_norm = false;
  /// LayerScale (`ls1.gamma`, `ls2.gamma`) in each block.
  bool layer_scale = false;
  /// Epsilon of every LayerNorm (timm/torchvision 1e-6, Hugging Face layer_norm_eps).
  double layer_norm_eps = 1e-6;
  /// Accept input grids other than the trained one by resampling the position
  /// embeddings bicubically (timm's dynamic_img_size).
  bool dynamic_img_size = false;
  /// Training only: stochastic depth rate of the last block (linearly scaled
  /// from 0 at the first block) and dropout after attention/MLP. Ignored in eval.
  double drop_path_rate = 0.0;
  double dropout = 0.0;

  int grid_height() const { return img_height / patch_size; }
  int grid_width() const { return img_width / patch_size; }
  /// Class + distillation + register tokens.
  int num_prefix_tokens() const {
    return (class_token ? 1 : 0) + (distilled ? 1 : 0) + num_reg_tokens;
  }
  /// Width of the pooled feature vector.
  int feature_dim() const { return embed_dim; }
  /// Checks internal consistency; returns an empty string when valid, else the problem.
  std::string Validate() const;
  /// One line, e.g. "vit patch16 224x224 dim=192 depth=12 heads=3 mlp=768 pool=token".
  std::string ToString() const;
};

}  // namespace vit
