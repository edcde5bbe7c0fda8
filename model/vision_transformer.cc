#include "model/vision_transformer.h"

#include <cmath>
#include <sstream>

#include "model/classifier_head.h"
#include "model/state_dict.h"
#include "model/token_embedding.h"

namespace vit {

namespace F = torch::nn::functional;

namespace {

torch::nn::LayerNorm MakeLayerNorm(int dim, double eps) {
  return torch::nn::LayerNorm(torch::nn::LayerNormOptions({dim}).eps(eps));
}

// Stochastic depth: drop the whole residual branch per sample during training.
torch::Tensor DropPath(const torch::Tensor& x, double rate, bool training) {
  if (!training || rate <= 0.0) return x;
  const double keep = 1.0 - rate;
  auto mask = torch::empty({x.size(0), 1, 1}, x.options()).bernoulli_(keep);
  return x * mask / keep;
}

}  // namespace

PatchEmbedImpl::PatchEmbedImpl(int in_chans, int patch_size, int embed_dim)
    : patch_size_(patch_size) {
  proj = register_module(
      "proj", torch::nn::Conv2d(
                  torch::nn::Conv2dOptions(in_chans, embed_dim, patch_size).stride(patch_size)));
}

torch::Tensor PatchEmbedImpl::forward(const torch::Tensor& tokens) {
  // The conv weight viewed as a linear layer over (C, ph, pw)-flattened patches.
  return torch::linear(tokens, proj->weight.view({proj->weight.size(0), -1}), proj->bias);
}

torch::Tensor PatchEmbedImpl::Patchify(const torch::Tensor& pixels) const {
  const int64_t b = pixels.size(0), c = pixels.size(1), h = pixels.size(2), w = pixels.size(3);
  const int64_t p = patch_size_;
  TORCH_CHECK(h % p == 0 && w % p == 0, "input ", h, "x", w, " is not a multiple of patch size ",
              p);
  return pixels.reshape({b, c, h / p, p, w / p, p})
      .permute({0, 2, 4, 1, 3, 5})
      .reshape({b, (h / p) * (w / p), c * p * p});
}

AttentionImpl::AttentionImpl(int dim, int num_heads, bool qkv_bias)
    : num_heads_(num_heads), scale_(1.0 / std::sqrt(static_cast<double>(dim / num_heads))) {
  qkv = register_module("qkv",
                        torch::nn::Linear(torch::nn::LinearOptions(dim, dim * 3).bias(qkv_bias)));
  proj = register_module("proj", torch::nn::Linear(dim, dim));
}

torch::Tensor AttentionImpl::forward(const torch::Tensor& x) {
  const int64_t b = x.size(0), n = x.size(1), c = x.size(2);
  auto qkv_out = qkv(x).reshape({b, n, 3, num_heads_, c / num_heads_}).permute({2, 0, 3, 1, 4});
  auto q = qkv_out[0] * scale_;
  auto k = qkv_out[1];
  auto v = qkv_out[2];
  auto attn = torch::softmax(torch::matmul(q, k.transpose(-2, -1)), /*dim=*/-1);
  if (attention_observer) attention_observer(attn);
  auto out = torch::matmul(attn, v).transpose(1, 2).reshape({b, n, c});
  return proj(out);
}

MlpImpl::MlpImpl(int dim, int hidden_dim) {
  fc1 = register_module("fc1", torch::nn::Linear(dim, hidden_dim));
  fc2 = register_module("fc2", torch::nn::Linear(hidden_dim, dim));
}

torch::Tensor MlpImpl::forward(const torch::Tensor& x) { return fc2(torch::gelu(fc1(x))); }

LayerScaleImpl::LayerScaleImpl(int dim, double init_value) {
  gamma = register_parameter("gamma", torch::full({dim}, init_value));
}

BlockImpl::BlockImpl(const VitConfig& config, double drop_path)
    : drop_path_(drop_path), dropout_(config.dropout) {
  norm1 = register_module("norm1", MakeLayerNorm(config.embed_dim, config.layer_norm_eps));
  attn = register_module("attn", Attention(config.embed_dim, config.num_heads, config.qkv_bias));
  norm2 = register_module("norm2", MakeLayerNorm(config.embed_dim, config.layer_norm_eps));
  mlp = register_module("mlp", Mlp(config.embed_dim, config.mlp_hidden_dim));
  auto layer_scale = [&config] {
    return config.layer_scale ? torch::nn::AnyModule(LayerScale(config.embed_dim))
                              : torch::nn::AnyModule(torch::nn::Identity());
  };
  ls1 = layer_scale();
  ls2 = layer_scale();
  register_module("ls1", ls1.ptr());
  register_module("ls2", ls2.ptr());
}

torch::Tensor BlockImpl::Residual(const torch::Tensor& branch) const {
  auto out = dropout_ > 0.0
                 ? F::dropout(branch, F::DropoutFuncOptions().p(dropout_).training(is_training()))
                 : branch;
  return DropPath(out, drop_path_, is_training());
}

torch::Tensor BlockImpl::forward(torch::Tensor x) {
  x = x + Residual(ls1.forward(attn(norm1(x))));
  return x + Residual(ls2.forward(mlp(norm2(x))));
}

VisionTransformerImpl::VisionTransformerImpl(const VitConfig& config, ParameterInit init)
    : config_(config) {
  const std::string problem = config.Validate();
  TORCH_CHECK(problem.empty(), "invalid ViT config: ", problem);
  const int d = config.embed_dim;
  patch_embed = register_module("patch_embed", PatchEmbed(config.in_chans, config.patch_size, d));
  Settle("patch_embed.", *patch_embed, init);
  if (config.class_token) cls_token = register_parameter("cls_token", torch::zeros({1, 1, d}));
  if (config.distilled) dist_token = register_parameter("dist_token", torch::zeros({1, 1, d}));
  if (config.num_reg_tokens > 0)
    reg_token = register_parameter("reg_token", torch::zeros({1, config.num_reg_tokens, d}));
  const int64_t pos_len = config.grid_height() * config.grid_width() +
                          (config.no_embed_class ? 0 : config.num_prefix_tokens());
  pos_embed = register_parameter("pos_embed", torch::randn({1, pos_len, d}) * 0.02);
  blocks = register_module("blocks", torch::nn::ModuleList());
  for (int i = 0; i < config.depth; ++i) {
    const double rate = config.depth > 1 ? config.drop_path_rate * i / (config.depth - 1) : 0.0;
    Block block(config, rate);
    Settle("blocks." + std::to_string(i) + ".", *block, init);
    blocks->push_back(block);
  }
  if (config.fc_norm) {
    fc_norm = register_module("fc_norm", MakeLayerNorm(d, config.layer_norm_eps));
    Settle("fc_norm.", *fc_norm, init);
  } else {
    norm = register_module("norm", MakeLayerNorm(d, config.layer_norm_eps));
    Settle("norm.", *norm, init);
  }
  head = register_module("head", torch::nn::Linear(d, config.num_classes));
  Settle("head.", *head, init);
  if (config.distilled) {
    head_dist = register_module("head_dist", torch::nn::Linear(d, config.num_classes));
    Settle("head_dist.", *head_dist, init);
  }
  // The tokens and position embedding: what is left at the top level.
  for (const auto& item : named_parameters(/*recurse=*/false))
    parameter_shapes_[item.key()] = item.value().sizes().vec();
  if (init == ParameterInit::kReleased) {
    ReleaseParameters(*this);
    return;
  }
  // Initialisation for training from scratch (checkpoints overwrite it).
  if (config.class_token) torch::nn::init::normal_(cls_token, 0.0, 1e-6);
  if (config.num_reg_tokens > 0) torch::nn::init::normal_(reg_token, 0.0, 1e-6);
  for (auto& module : modules(/*include_self=*/false)) {
    if (auto* linear = module->as<torch::nn::LinearImpl>()) {
      // timm: trunc_normal_(std=.02) with cut-offs at +-2 (absolute), i.e. in effect a plain
      // normal.
      torch::nn::init::normal_(linear->weight, 0.0, 0.02);
      if (linear->bias.defined()) torch::nn::init::zeros_(linear->bias);
    }
  }
}

void VisionTransformerImpl::Settle(const std::string& prefix, torch::nn::Module& part,
                                   ParameterInit init) {
  for (const auto& item : part.named_parameters(/*recurse=*/true))
    parameter_shapes_[prefix + item.key()] = item.value().sizes().vec();
  if (init == ParameterInit::kReleased) ReleaseParameters(part);
}

torch::Tensor VisionTransformerImpl::AddPositionAndPrefix(const torch::Tensor& x, int64_t grid_h,
                                                          int64_t grid_w) {
  const TokenEmbedding embedding =
      EmbeddingForGrid(config_, cls_token, dist_token, reg_token, pos_embed, grid_h, grid_w);
  auto patches = x + embedding.patch_pos;
  if (config_.num_prefix_tokens() == 0) return patches;
  return torch::cat({embedding.prefix.unsqueeze(0).expand({x.size(0), -1, -1}), patches},
                    /*dim=*/1);
}

torch::Tensor VisionTransformerImpl::ForwardFeatures(const torch::Tensor& input, int64_t grid_h,
                                                     int64_t grid_w) {
  torch::Tensor tokens = input;
  if (input.dim() == 4) {
    grid_h = input.size(2) / config_.patch_size;
    grid_w = input.size(3) / config_.patch_size;
    tokens = patch_embed->Patchify(input);
  } else {
    TORCH_CHECK(input.dim() == 3, "expected tokens [B, N, C*P*P] or pixels [B, C, H, W], got ",
                input.sizes());
    if (grid_h == 0 && grid_w == 0) {
      grid_h = config_.grid_height();
      grid_w = config_.grid_width();
    }
  }
  const int64_t token_dim = int64_t{config_.in_chans} * config_.patch_size * config_.patch_size;
  TORCH_CHECK(tokens.size(1) == grid_h * grid_w && tokens.size(2) == token_dim,
              "expected tokens [B, ", grid_h * grid_w, ", ", token_dim, "], got ", tokens.sizes());
  auto x = AddPositionAndPrefix(patch_embed(tokens), grid_h, grid_w);
  for (const auto& block : *blocks) x = block->as<BlockImpl>()->forward(x);
  return norm ? norm(x) : x;
}

torch::Tensor VisionTransformerImpl::Pool(const torch::Tensor& features) {
  torch::Tensor pooled = PoolTokens(config_, features);
  return fc_norm ? fc_norm(pooled) : pooled;
}

torch::Tensor VisionTransformerImpl::ForwardHead(const torch::Tensor& features) {
  return head(features);
}

VisionTransformerImpl::Outputs VisionTransformerImpl::ForwardOutputs(const torch::Tensor& input,
                                                                     int64_t grid_h,
                                                                     int64_t grid_w) {
  auto tokens = ForwardFeatures(input, grid_h, grid_w);
  Outputs out;
  out.features = Pool(tokens);
  HeadWeights weights;
  weights.weight = head->weight;
  weights.bias = head->bias;
  if (head_dist) {
    weights.dist_weight = head_dist->weight;
    weights.dist_bias = head_dist->bias;
  }
  out.logits = HeadLogits(config_, tokens, out.features, weights);
  return out;
}

torch::Tensor VisionTransformerImpl::forward(const torch::Tensor& input, int64_t grid_h,
                                             int64_t grid_w) {
  return ForwardOutputs(input, grid_h, grid_w).logits;
}

}  // namespace vit
