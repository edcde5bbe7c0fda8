#include "model/fast/fast_vit_runner.h"

#include <malloc.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "model/fast/fast_kernels.h"
#include "model/pos_embed.h"
#include "model/state_dict.h"

namespace vit::fast {

using dt = dnnl::memory::data_type;

namespace {

std::vector<float> ToVector(const torch::Tensor& t) {
  auto c = t.detach().to(torch::kFloat32).contiguous();
  return std::vector<float>(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
}

// Scales the rows [begin, begin + count) of a [out, ...] weight or [out] bias.
torch::Tensor ScaleRows(torch::Tensor t, int64_t begin, int64_t count, const torch::Tensor& by) {
  if (!t.defined()) return t;
  t = t.detach().clone();
  auto rows = t.narrow(0, begin, count);
  rows.mul_(t.dim() == 2 ? by.reshape({-1, 1}) : by.reshape({-1}));
  return t;
}

void Grow(std::vector<char>* buffer, int64_t bytes) {
  if (static_cast<int64_t>(buffer->size()) < bytes) buffer->resize(static_cast<size_t>(bytes));
}

}  // namespace

FastVitRunner::FastVitRunner(VisionTransformer net, int64_t grid_h, int64_t grid_w,
                             const FastVitOptions& options)
    : net_(std::move(net)),
      options_(options),
      act_dt_(options.bf16 ? dt::bf16 : dt::f32),
      act_bytes_(options.bf16 ? 2 : 4) {
  const VitConfig& c = net_->config();
  dim_ = c.embed_dim;
  hidden_ = c.mlp_hidden_dim;
  heads_ = c.num_heads;
  num_patches_ = grid_h * grid_w;
  num_prefix_ = c.num_prefix_tokens();
  tokens_ = num_prefix_ + num_patches_;
  token_dim_ = int64_t{c.in_chans} * c.patch_size * c.patch_size;
  eps_ = static_cast<float>(c.layer_norm_eps);
  torch::NoGradGuard no_grad;
  PackEmbedding(grid_h, grid_w);
  for (const auto& block : *net_->blocks) PackBlock(*block->as<BlockImpl>());
  attention_ = std::make_unique<FastAttention>(heads_, dim_ / heads_, tokens_, act_dt_);
}

void FastVitRunner::PackEmbedding(int64_t grid_h, int64_t grid_w) {
  const VitConfig& c = net_->config();
  auto& proj = net_->patch_embed->proj;
  patch_embed_ =
      std::make_unique<FastLinear>(proj->weight.reshape({dim_, token_dim_}), proj->bias, act_dt_,
                                   dt::f32, Epilogue::kNone, options_.hint_batch * num_patches_);
  packed_bytes_ += patch_embed_->packed_bytes();
  ReleaseParameters(*net_->patch_embed);

  const int64_t pos_prefix = c.no_embed_class ? 0 : num_prefix_;
  torch::Tensor pos = net_->pos_embed.detach();
  if (grid_h != c.grid_height() || grid_w != c.grid_width()) {
    TORCH_CHECK(c.dynamic_img_size, "input grid ", grid_h, "x", grid_w,
                " differs from the trained grid ", c.grid_height(), "x", c.grid_width(),
                " and the model has no dynamic image size");
    pos = ResamplePosEmbed(pos, grid_h, grid_w, c.grid_height(), c.grid_width(), pos_prefix);
  }
  pos = pos.reshape({-1, dim_});
  std::vector<torch::Tensor> prefix;
  if (c.class_token) prefix.push_back(net_->cls_token.detach().reshape({-1, dim_}));
  if (c.distilled) prefix.push_back(net_->dist_token.detach().reshape({-1, dim_}));
  if (c.num_reg_tokens > 0) prefix.push_back(net_->reg_token.detach().reshape({-1, dim_}));
  torch::Tensor prefix_rows = prefix.empty() ? torch::zeros({0, dim_}) : torch::cat(prefix, 0);
  if (pos_prefix > 0) prefix_rows = prefix_rows + pos.narrow(0, 0, pos_prefix);
  prefix_rows_ = ToVector(prefix_rows);
  patch_pos_ = ToVector(pos.narrow(0, pos_prefix, num_patches_));
}

void FastVitRunner::PackBlock(BlockImpl& block) {
  const int64_t rows = options_.hint_batch * tokens_;
  Block b;
  b.norm1_weight = ToVector(block.norm1->weight);
  b.norm1_bias = ToVector(block.norm1->bias);
  b.norm2_weight = ToVector(block.norm2->weight);
  b.norm2_bias = ToVector(block.norm2->bias);
  // q * 1/sqrt(head_dim) folded into the q rows of the qkv projection.
  const auto scale = torch::full({dim_}, 1.0 / std::sqrt(static_cast<double>(dim_ / heads_)));
  auto& attn = *block.attn;
  b.qkv = std::make_unique<FastLinear>(ScaleRows(attn.qkv->weight, 0, dim_, scale),
                                       ScaleRows(attn.qkv->bias, 0, dim_, scale), act_dt_, act_dt_,
                                       Epilogue::kNone, rows);
  // Each float32 weight goes as soon as it is packed (a mapped checkpoint's
  // pages leave the process with it): at most one unpacked matrix is resident.
  ReleaseParameters(*attn.qkv);
  // LayerScale folded into the projections that feed the residual stream.
  auto proj_w = attn.proj->weight, proj_b = attn.proj->bias;
  auto fc2_w = block.mlp->fc2->weight, fc2_b = block.mlp->fc2->bias;
  if (block.ls1) {
    proj_w = ScaleRows(proj_w, 0, dim_, block.ls1->gamma);
    proj_b = ScaleRows(proj_b, 0, dim_, block.ls1->gamma);
  }
  if (block.ls2) {
    fc2_w = ScaleRows(fc2_w, 0, dim_, block.ls2->gamma);
    fc2_b = ScaleRows(fc2_b, 0, dim_, block.ls2->gamma);
  }
  b.proj =
      std::make_unique<FastLinear>(proj_w, proj_b, act_dt_, dt::f32, Epilogue::kAccumulate, rows);
  proj_w = proj_b = torch::Tensor();
  ReleaseParameters(*attn.proj);
  b.fc1 = std::make_unique<FastLinear>(block.mlp->fc1->weight, block.mlp->fc1->bias, act_dt_,
                                       act_dt_, Epilogue::kGelu, rows);
  ReleaseParameters(*block.mlp->fc1);
  b.fc2 = std::make_unique<FastLinear>(fc2_w, fc2_b, act_dt_, dt::f32, Epilogue::kAccumulate, rows);
  fc2_w = fc2_b = torch::Tensor();
  for (auto* l : {b.qkv.get(), b.proj.get(), b.fc1.get(), b.fc2.get()})
    packed_bytes_ += l->packed_bytes();
  // The rest of the block (norms, LayerScale, fc2) is no longer needed either.
  ReleaseParameters(block);
  // glibc keeps freed heap memory resident; hand it back so the next block's
  // packed weights do not add to the peak.
  malloc_trim(0);
  blocks_.push_back(std::move(b));
}

void FastVitRunner::Reserve(int64_t batch) {
  if (batch <= reserved_batch_) return;
  const int64_t rows = batch * tokens_;
  x_.resize(static_cast<size_t>(rows * dim_));
  if (options_.bf16) Grow(&tokens_act_, batch * num_patches_ * token_dim_ * act_bytes_);
  Grow(&normed_or_attn_, rows * dim_ * act_bytes_);
  Grow(&wide_, std::max({batch * num_patches_ * dim_ * int64_t{sizeof(float)},
                         rows * 3 * dim_ * act_bytes_, rows * hidden_ * act_bytes_}));
  reserved_batch_ = batch;
}

void FastVitRunner::RunBlock(Block& b, int64_t batch) {
  const int64_t rows = batch * tokens_;
  const bool bf16 = options_.bf16;
  char* normed = normed_or_attn_.data();
  char* attn_out = normed_or_attn_.data();
  char* qkv = wide_.data();
  char* hidden = wide_.data();
  LayerNorm(x_.data(), rows, dim_, b.norm1_weight.data(), b.norm1_bias.data(), eps_, normed, bf16);
  b.qkv->Run(normed, qkv, rows);
  attention_->Run(qkv, attn_out, batch);
  b.proj->Run(attn_out, x_.data(), rows);  // x += proj(attn)
  LayerNorm(x_.data(), rows, dim_, b.norm2_weight.data(), b.norm2_bias.data(), eps_, normed, bf16);
  b.fc1->Run(normed, hidden, rows);
  b.fc2->Run(hidden, x_.data(), rows);  // x += fc2(gelu(fc1(.)))
}

VisionTransformerImpl::Outputs FastVitRunner::RunHead(int64_t batch) {
  // The model's own float32 tail. Token pooling reads only the prefix rows,
  // and LayerNorm is per row, so only those are normalized.
  const VitConfig& c = net_->config();
  auto x = torch::from_blob(x_.data(), {batch, tokens_, dim_});
  const bool avg = c.global_pool == "avg";
  auto rows =
      avg || num_prefix_ == 0 ? x : x.narrow(/*dim=*/1, /*start=*/0, /*length=*/num_prefix_);
  auto normed = net_->norm ? net_->norm(rows) : rows;
  VisionTransformerImpl::Outputs out;
  out.features = net_->Pool(normed);
  if (c.distilled) {
    out.logits = (net_->head(normed.select(1, 0)) + net_->head_dist(normed.select(1, 1))) / 2;
  } else {
    out.logits = net_->ForwardHead(out.features);
  }
  return out;
}

VisionTransformerImpl::Outputs FastVitRunner::Run(const float* tokens, int64_t batch) {
  Reserve(batch);
  const void* src = tokens;
  if (options_.bf16) {
    ConvertToBf16(tokens, reinterpret_cast<uint16_t*>(tokens_act_.data()),
                  batch * num_patches_ * token_dim_);
    src = tokens_act_.data();
  }
  auto* patches = reinterpret_cast<float*>(wide_.data());
  patch_embed_->Run(src, patches, batch * num_patches_);
  AssembleTokens(patches, prefix_rows_.data(), patch_pos_.data(), batch, num_prefix_, num_patches_,
                 dim_, x_.data());
  for (auto& block : blocks_) RunBlock(block, batch);
  return RunHead(batch);
}

}  // namespace vit::fast
