#include "model/fast/fast_vit_runner.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <c10/util/Exception.h>
#include <malloc.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <unordered_map>

#include "model/cpu_features.h"
#include "model/fast/fast_kernels.h"
#include "model/fast/quantize_kernels.h"
#include "model/token_embedding.h"

namespace vit::fast {

using dt = dnnl::memory::data_type;

namespace {

std::vector<float> ToVector(const at::Tensor& t) {
  auto c = t.detach().to(at::kFloat).contiguous();
  return std::vector<float>(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
}

// Scales the rows [begin, begin + count) of a [out, ...] weight or [out] bias.
at::Tensor ScaleRows(at::Tensor t, int64_t begin, int64_t count, const at::Tensor& by) {
  if (!t.defined()) return t;
  t = t.detach().clone();
  auto rows = t.narrow(0, begin, count);
  rows.mul_(t.dim() == 2 ? by.reshape({-1, 1}) : by.reshape({-1}));
  return t;
}

// LayerNorm's affine part folded into the linear layer that reads it:
// W (gamma * xhat + beta) + b = (W diag(gamma)) xhat + (W beta + b). The
// int8 path quantizes the plain normalized xhat, whose channels all have unit
// scale, instead of an output whose outlier channels (a few large gammas, as
// trained ViTs have) would set every token's step ("gamma migration",
// Outlier Suppression, Wei et al. 2022); the weights absorb gamma, per
// output channel. `norm_weight` / `norm_bias` become ones / zeros.
void FoldNormAffine(at::Tensor* weight, at::Tensor* bias, std::vector<float>* norm_weight,
                    std::vector<float>* norm_bias) {
  const auto gamma =
      at::from_blob(norm_weight->data(), {static_cast<int64_t>(norm_weight->size())});
  const auto beta = at::from_blob(norm_bias->data(), {static_cast<int64_t>(norm_bias->size())});
  at::Tensor folded_bias = at::mv(*weight, beta);
  if (bias->defined()) folded_bias += *bias;
  *weight = *weight * gamma.reshape({1, -1});
  *bias = folded_bias;
  std::fill(norm_weight->begin(), norm_weight->end(), 1.f);
  std::fill(norm_bias->begin(), norm_bias->end(), 0.f);
}

void Grow(std::vector<char>* buffer, int64_t bytes) {
  if (static_cast<int64_t>(buffer->size()) < bytes) buffer->resize(static_cast<size_t>(bytes));
}

dt ActivationType(Precision precision) {
  switch (precision) {
    case Precision::kBf16:
      return dt::bf16;
    case Precision::kInt8:  // every activation between its layers is int8 (Int8Attention)
    case Precision::kFp32:
      break;
  }
  return dt::f32;
}

// The float32 score matrices of one attention chunk. 8 MiB (ViT-B/16: 4
// images) ran fastest for bf16; int8 ran as fast with 4 MiB (2 images) and
// its peak RSS at batch 8 fell by 4-6 MiB, which its 300 MiB budget for
// ViT-B/16 needs (vit-bench, 2-core EPYC, 2026-12-02).
int64_t AttentionScoreBytes(const FastVitOptions& options) {
  if (options.attention_score_bytes > 0) return options.attention_score_bytes;
  return options.precision == Precision::kInt8 ? int64_t{4} << 20 : int64_t{8} << 20;
}

// int8: u8, symmetric codes with kSymmetricZeroPoint (quantize_kernels.h),
// except fc2's (u8 with kGeluZeroPoint).
dt LinearInputType(Precision precision) {
  return precision == Precision::kInt8 ? dt::u8 : ActivationType(precision);
}

}  // namespace

// The checkpoint's tensors by name; Take() hands one over and forgets it, so
// that packing it and dropping the local copy frees its memory.
class FastVitRunner::WeightStore {
 public:
  explicit WeightStore(TensorMap weights) {
    for (auto& [name, tensor] : weights) tensors_.emplace(name, std::move(tensor));
  }
  at::Tensor Take(const std::string& name) {
    auto it = tensors_.find(name);
    TORCH_CHECK(it != tensors_.end(), "the fast engine needs the weight '", name,
                "', which the checkpoint does not have");
    at::Tensor tensor = std::move(it->second);
    tensors_.erase(it);
    return tensor;
  }
  /// Take(name) when the weight exists, else an undefined tensor.
  at::Tensor TakeOptional(const std::string& name) {
    return tensors_.count(name) != 0 ? Take(name) : at::Tensor();
  }

 private:
  std::unordered_map<std::string, at::Tensor> tensors_;
};

FastVitRunner::FastVitRunner(const VitConfig& config, TensorMap weights, int64_t grid_h,
                             int64_t grid_w, const FastVitOptions& options)
    : config_(config),
      options_(options),
      bf16_(options.precision == Precision::kBf16),
      int8_(options.precision == Precision::kInt8),
      act_dt_(ActivationType(options.precision)),
      linear_dt_(LinearInputType(options.precision)),
      act_bytes_(act_dt_ == dt::f32 ? 4 : 2) {
  TORCH_CHECK(!int8_ || CpuHasFastInt8(),
              "the int8 precision needs a CPU with AVX512-VNNI, AVX-VNNI or AMX-INT8");
  const VitConfig& c = config_;
  dim_ = c.embed_dim;
  hidden_ = c.mlp_hidden_dim;
  heads_ = c.num_heads;
  num_patches_ = grid_h * grid_w;
  num_prefix_ = c.num_prefix_tokens();
  tokens_ = num_prefix_ + num_patches_;
  token_dim_ = int64_t{c.in_chans} * c.patch_size * c.patch_size;
  eps_ = static_cast<float>(c.layer_norm_eps);
  at::NoGradGuard no_grad;
  WeightStore store(std::move(weights));
  PackEmbedding(store, grid_h, grid_w);
  for (int i = 0; i < c.depth; ++i) PackBlock(store, i);
  KeepHead(store);
  if (int8_) {
    int8_attention_ = std::make_unique<Int8Attention>(heads_, dim_ / heads_, tokens_,
                                                      AttentionScoreBytes(options_));
  } else {
    attention_ = std::make_unique<FastAttention>(heads_, dim_ / heads_, tokens_, act_dt_,
                                                 AttentionScoreBytes(options_));
  }
}

void FastVitRunner::PackEmbedding(WeightStore& weights, int64_t grid_h, int64_t grid_w) {
  const VitConfig& c = config_;
  patch_embed_ = std::make_unique<FastLinear>(
      weights.Take("patch_embed.proj.weight").reshape({dim_, token_dim_}),
      weights.TakeOptional("patch_embed.proj.bias"), linear_dt_, dt::f32, Epilogue::kNone,
      options_.hint_batch * num_patches_, InputZeroPoint());
  packed_bytes_ += patch_embed_->packed_bytes();
  const at::Tensor cls = c.class_token ? weights.Take("cls_token") : at::Tensor();
  const at::Tensor dist = c.distilled ? weights.Take("dist_token") : at::Tensor();
  const at::Tensor reg = c.num_reg_tokens > 0 ? weights.Take("reg_token") : at::Tensor();
  const TokenEmbedding embedding =
      EmbeddingForGrid(c, cls, dist, reg, weights.Take("pos_embed"), grid_h, grid_w);
  prefix_rows_ = ToVector(embedding.prefix);
  patch_pos_ = ToVector(embedding.patch_pos);
}

void FastVitRunner::PackBlock(WeightStore& weights, int index) {
  const std::string p = "blocks." + std::to_string(index) + ".";
  const int64_t rows = options_.hint_batch * tokens_;
  Block b;
  b.norm1_weight = ToVector(weights.Take(p + "norm1.weight"));
  b.norm1_bias = ToVector(weights.Take(p + "norm1.bias"));
  b.norm2_weight = ToVector(weights.Take(p + "norm2.weight"));
  b.norm2_bias = ToVector(weights.Take(p + "norm2.bias"));
  at::Tensor qkv_weight = weights.Take(p + "attn.qkv.weight");
  at::Tensor qkv_bias = weights.TakeOptional(p + "attn.qkv.bias");
  if (int8_) FoldNormAffine(&qkv_weight, &qkv_bias, &b.norm1_weight, &b.norm1_bias);
  // q * 1/sqrt(head_dim) folded into the q rows of the qkv projection.
  const auto scale = at::full({dim_}, 1.0 / std::sqrt(static_cast<double>(dim_ / heads_)));
  b.qkv = std::make_unique<FastLinear>(ScaleRows(qkv_weight, 0, dim_, scale),
                                       ScaleRows(qkv_bias, 0, dim_, scale), linear_dt_, act_dt_,
                                       Epilogue::kNone, rows, InputZeroPoint());
  qkv_weight = qkv_bias = at::Tensor();
  // Each float32 weight goes as soon as it is packed (a mapped checkpoint's
  // pages leave the process with it): at most one unpacked matrix is resident.
  b.proj = PackResidualLinear(weights, p + "attn.proj", p + "ls1.gamma", rows, InputZeroPoint());
  at::Tensor fc1_weight = weights.Take(p + "mlp.fc1.weight");
  at::Tensor fc1_bias = weights.Take(p + "mlp.fc1.bias");
  if (int8_) FoldNormAffine(&fc1_weight, &fc1_bias, &b.norm2_weight, &b.norm2_bias);
  // int8: fc1's epilogue quantizes GELU's output for fc2, u8 with a zero
  // point (quantize_kernels.h), so the hidden activations are written once, in u8.
  b.fc1 = std::make_unique<FastLinear>(fc1_weight, fc1_bias, linear_dt_, int8_ ? dt::u8 : act_dt_,
                                       Epilogue::kGelu, rows, InputZeroPoint(),
                                       int8_ ? kGeluZeroPoint : 0);
  fc1_weight = fc1_bias = at::Tensor();
  b.fc2 =
      PackResidualLinear(weights, p + "mlp.fc2", p + "ls2.gamma", rows, int8_ ? kGeluZeroPoint : 0);
  for (auto* l : {b.qkv.get(), b.proj.get(), b.fc1.get(), b.fc2.get()})
    packed_bytes_ += l->packed_bytes();
  // glibc keeps freed heap memory resident; hand it back so the next block's
  // packed weights do not add to the peak.
  malloc_trim(0);
  blocks_.push_back(std::move(b));
}

std::unique_ptr<FastLinear> FastVitRunner::PackResidualLinear(WeightStore& weights,
                                                              const std::string& layer,
                                                              const std::string& layer_scale,
                                                              int64_t rows, int32_t zero_point) {
  at::Tensor w = weights.Take(layer + ".weight"), bias = weights.Take(layer + ".bias");
  // LayerScale folded into the projection: dst += (x W^T + b) * gamma.
  if (config_.layer_scale) {
    const at::Tensor gamma = weights.Take(layer_scale);
    w = ScaleRows(w, 0, dim_, gamma);
    bias = ScaleRows(bias, 0, dim_, gamma);
  }
  return std::make_unique<FastLinear>(w, bias, linear_dt_, dt::f32, Epilogue::kAccumulate, rows,
                                      zero_point);
}

int32_t FastVitRunner::InputZeroPoint() const { return int8_ ? kSymmetricZeroPoint : 0; }

void FastVitRunner::KeepHead(WeightStore& weights) {
  if (config_.fc_norm) {
    fc_norm_weight_ = weights.Take("fc_norm.weight");
    fc_norm_bias_ = weights.Take("fc_norm.bias");
  } else {
    norm_weight_ = weights.Take("norm.weight");
    norm_bias_ = weights.Take("norm.bias");
  }
  head_.weight = weights.Take("head.weight");
  head_.bias = weights.Take("head.bias");
  if (config_.distilled) {
    head_.dist_weight = weights.Take("head_dist.weight");
    head_.dist_bias = weights.Take("head_dist.bias");
  }
}

void FastVitRunner::Reserve(int64_t batch) {
  if (batch <= reserved_batch_) return;
  const int64_t rows = batch * tokens_;
  x_.resize(static_cast<size_t>(rows * dim_));
  if (bf16_) Grow(&tokens_act_, batch * num_patches_ * token_dim_ * act_bytes_);
  // int8: no float activation but the patch embeddings; the hidden layer is u8.
  if (!int8_) Grow(&normed_or_attn_, rows * dim_ * act_bytes_);
  Grow(&wide_, std::max({batch * num_patches_ * dim_ * int64_t{sizeof(float)},
                         int8_ ? 0 : rows * 3 * dim_ * act_bytes_,
                         rows * hidden_ * (int8_ ? 1 : act_bytes_)}));
  if (int8_) {
    quantized_.resize(static_cast<size_t>(rows * std::max(token_dim_, dim_)));
    row_scales_.resize(static_cast<size_t>(rows));
    hidden_scales_.resize(static_cast<size_t>(rows));
  }
  reserved_batch_ = batch;
}

FastVitRunner::LinearInput FastVitRunner::Normalized(const std::vector<float>& gamma,
                                                     const std::vector<float>& beta, int64_t rows) {
  if (int8_) {
    LayerNormQuantize(x_.data(), rows, dim_, gamma.data(), beta.data(), eps_, quantized_.data(),
                      row_scales_.data());
    return {quantized_.data(), row_scales_.data()};
  }
  LayerNorm(x_.data(), rows, dim_, gamma.data(), beta.data(), eps_, normed_or_attn_.data(), bf16_);
  return {normed_or_attn_.data(), nullptr};
}

FastVitRunner::LinearInput FastVitRunner::FloatAttention(Block& b, const LinearInput& normed,
                                                         int64_t batch, const AttentionSink* sink) {
  char* qkv = wide_.data();
  char* attn_out = normed_or_attn_.data();  // LayerNorm's output is read by now
  b.qkv->Run(normed.data, qkv, batch * tokens_);
  attention_->Run(qkv, attn_out, batch, sink);
  return {attn_out, nullptr};
}

FastVitRunner::LinearInput FastVitRunner::QuantizedAttention(Block& b, const LinearInput& normed,
                                                             int64_t batch,
                                                             const AttentionSink* sink) {
  // The attention output (u8, for proj) overwrites each image's LayerNorm
  // codes after qkv has read them.
  auto shifted = [&](int64_t first) {
    AttentionSink s;
    if (sink != nullptr) {
      s = {sink->fusion + first, sink->dst + first * sink->image_stride, sink->image_stride};
    }
    return s;
  };
  // Each thread takes whole images, one at a time, from qkv to the
  // projection's input: one parallel region per block instead of six per
  // chunk of images, and each image's accumulators, scores and codes stay in
  // its thread's cache. ViT-B/16 batch 8, 2-core Zen 5 EPYC, 6 alternating
  // vit-bench rounds: int8 median 253.4 ms, against 263.8 ms with the
  // attention in chunks of images. The images left over (batch % threads, or
  // a batch smaller than the threads) go in chunks with oneDNN's threads
  // sharing each product.
  const int64_t threads = std::max(1, at::get_num_threads());
  const int64_t per_thread = batch / threads;
  if (per_thread > 0) {
    b.qkv->PrepareOnThread(tokens_);
    int8_attention_->PrepareOnThreads(static_cast<int>(threads));
    const Int8Dequantization d0 = b.qkv->Dequantization(nullptr);
    at::parallel_for(0, threads, 1, [&](int64_t first, int64_t last) {
      for (int64_t t = first; t < last; ++t) {
        for (int64_t image = t * per_thread; image < (t + 1) * per_thread; ++image) {
          const int64_t row0 = image * tokens_;
          uint8_t* rows_q = quantized_.data() + row0 * dim_;
          Int8Dequantization d = d0;
          d.row_scales = row_scales_.data() + row0;
          const int32_t* acc = b.qkv->RunToAccumulatorsOnThread(rows_q, tokens_);
          const AttentionSink image_sink = shifted(image);
          int8_attention_->RunOnThread(static_cast<int>(t), acc, d, rows_q,
                                       row_scales_.data() + row0,
                                       sink == nullptr ? nullptr : &image_sink);
        }
      }
    });
  }
  const int64_t chunk = int8_attention_->images_per_chunk();
  for (int64_t first = threads * per_thread; first < batch; first += chunk) {
    const int64_t images = std::min(chunk, batch - first), row0 = first * tokens_;
    uint8_t* rows_q = quantized_.data() + row0 * dim_;
    float* rows_scales = row_scales_.data() + row0;
    const int32_t* acc = b.qkv->RunToAccumulators(rows_q, images * tokens_);
    const AttentionSink chunk_sink = shifted(first);
    int8_attention_->Run(acc, b.qkv->Dequantization(rows_scales), images, rows_q, rows_scales,
                         sink == nullptr ? nullptr : &chunk_sink);
  }
  return {quantized_.data(), row_scales_.data()};
}

Int8NextNorm FastVitRunner::FusedNorm(const std::vector<float>& gamma,
                                      const std::vector<float>& beta) {
  Int8NextNorm norm;
  norm.gamma = gamma.data();
  norm.beta = beta.data();
  norm.eps = eps_;
  norm.codes = quantized_.data();
  norm.scales = row_scales_.data();
  return norm;
}

void FastVitRunner::RunBlock(Block& b, const Block* next, int64_t batch,
                             const AttentionSink* sink) {
  const int64_t rows = batch * tokens_;
  if (!int8_) {
    LinearInput in = Normalized(b.norm1_weight, b.norm1_bias, rows);
    in = FloatAttention(b, in, batch, sink);
    b.proj->Run(in.data, x_.data(), rows);  // x += proj(attn)
    in = Normalized(b.norm2_weight, b.norm2_bias, rows);
    b.fc1->Run(in.data, wide_.data(), rows);
    b.fc2->Run(wide_.data(), x_.data(), rows);  // x += fc2(gelu(fc1(.)))
    return;
  }
  // int8: each LayerNorm is fused into the epilogue of the layer that adds
  // into the residual stream before it (Run() normalizes for the first
  // block), so its codes are in quantized_ / row_scales_ already.
  const LinearInput normed{quantized_.data(), row_scales_.data()};
  LinearInput in = QuantizedAttention(b, normed, batch, sink);
  const Int8NextNorm norm2 = FusedNorm(b.norm2_weight, b.norm2_bias);
  b.proj->Run(in.data, x_.data(), rows, in.row_scales, nullptr, &norm2);  // x += proj(attn)
  char* hidden = wide_.data();
  b.fc1->Run(normed.data, hidden, rows, normed.row_scales, hidden_scales_.data());
  // x += fc2(gelu(fc1(.))); the hidden layer is u8, quantized by fc1.
  if (next == nullptr) {
    b.fc2->Run(hidden, x_.data(), rows, hidden_scales_.data());
    return;
  }
  const Int8NextNorm norm1 = FusedNorm(next->norm1_weight, next->norm1_bias);
  b.fc2->Run(hidden, x_.data(), rows, hidden_scales_.data(), nullptr, &norm1);
}

FastVitRunner::Outputs FastVitRunner::RunHead(int64_t batch) {
  // The float32 tail. Token pooling reads only the prefix rows, and LayerNorm
  // is per row, so only those are normalized.
  auto x = at::from_blob(x_.data(), {batch, tokens_, dim_});
  const bool avg = config_.global_pool == "avg";
  auto rows =
      avg || num_prefix_ == 0 ? x : x.narrow(/*dim=*/1, /*start=*/0, /*length=*/num_prefix_);
  auto normed = norm_weight_.defined()
                    ? at::layer_norm(rows, {dim_}, norm_weight_, norm_bias_, config_.layer_norm_eps)
                    : rows;
  Outputs out;
  out.features = PoolTokens(config_, normed);
  if (fc_norm_weight_.defined()) {
    out.features = at::layer_norm(out.features, {dim_}, fc_norm_weight_, fc_norm_bias_,
                                  config_.layer_norm_eps);
  }
  out.logits = HeadLogits(config_, normed, out.features, head_);
  return out;
}

FastVitRunner::Outputs FastVitRunner::Run(const float* tokens, int64_t batch) {
  return Run(tokens, batch, AttentionCapture{});
}

FastVitRunner::Outputs FastVitRunner::Run(const float* tokens, int64_t batch,
                                          const AttentionCapture& capture) {
  bool any = false;
  for (const auto& fusion : capture.fusion) any |= fusion.has_value();
  Reserve(batch);
  const int64_t patch_rows = batch * num_patches_;
  LinearInput src{tokens, nullptr};
  if (bf16_) {
    ConvertToBf16(tokens, reinterpret_cast<uint16_t*>(tokens_act_.data()), patch_rows * token_dim_);
    src.data = tokens_act_.data();
  }
  if (int8_) {
    QuantizeRowsAsU8(tokens, patch_rows, token_dim_, quantized_.data(), row_scales_.data());
    src = {quantized_.data(), row_scales_.data()};
  }
  auto* patches = reinterpret_cast<float*>(wide_.data());
  patch_embed_->Run(src.data, patches, patch_rows, src.row_scales);
  AssembleTokens(patches, prefix_rows_.data(), patch_pos_.data(), batch, num_prefix_, num_patches_,
                 dim_, x_.data());
  const int64_t tt = tokens_ * tokens_;
  const int64_t depth = static_cast<int64_t>(blocks_.size());
  // int8: the first block's LayerNorm (the later ones are fused, RunBlock).
  if (int8_ && depth > 0)
    Normalized(blocks_[0].norm1_weight, blocks_[0].norm1_bias, batch * tokens_);
  for (int64_t l = 0; l < depth; ++l) {
    const Block* next = l + 1 < depth ? &blocks_[l + 1] : nullptr;
    if (!any) {
      RunBlock(blocks_[l], next, batch, nullptr);
      continue;
    }
    const AttentionSink sink{capture.fusion.data(), capture.attention + l * tt, depth * tt};
    RunBlock(blocks_[l], next, batch, &sink);
  }
  return RunHead(batch);
}

}  // namespace vit::fast
