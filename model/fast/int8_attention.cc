#include "model/fast/int8_attention.h"

#include <algorithm>

#include "common/attention_capture.h"

#include "model/fast/dnnl_context.h"

namespace vit::fast {

using dt = dnnl::memory::data_type;
using tag = dnnl::memory::format_tag;

Int8Attention::Int8Attention(int64_t heads, int64_t head_dim, int64_t tokens, int64_t score_bytes)
    : heads_(heads), head_dim_(head_dim), tokens_(tokens) {
  const int64_t per_image = heads_ * tokens_ * tokens_ * int64_t{sizeof(int32_t)};
  chunk_ = std::max<int64_t>(1, score_bytes / per_image);
}

AttentionShape Int8Attention::Shape(int64_t images) const {
  return {images, heads_, tokens_, head_dim_};
}

Int8Attention::Plan& Int8Attention::PlanFor(int64_t images) {
  auto it = plans_.find(images);
  if (it != plans_.end()) return it->second;
  const int64_t t = tokens_, h = heads_, d = head_dim_, dim = heads_ * head_dim_;
  if (scores_.empty()) {
    const auto values = static_cast<size_t>(chunk_ * t * dim);
    const auto rows = static_cast<size_t>(chunk_ * h * t);
    q_.resize(values);
    k_.resize(values);
    v_.resize(values);
    q_scales_.resize(rows);
    k_scales_.resize(rows);
    k_offsets_.resize(rows);
    v_scales_.resize(static_cast<size_t>(chunk_ * dim));
    scores_.resize(rows * static_cast<size_t>(t));
    probs_.resize(scores_.size());
    prob_scales_.resize(rows);
    out_acc_.resize(values);
    codes_ = {q_.data(),        k_.data(),         v_.data(),       q_scales_.data(),
              k_scales_.data(), k_offsets_.data(), v_scales_.data()};
  }
  auto& engine = CpuEngine();
  // Dense [images, heads, tokens, head_dim] blocks, as QuantizeQkv writes
  // them: oneDNN runs these on its brgemm kernels (strided views of an
  // interleaved qkv ran on gemm:jit, 20-35% slower).
  const dnnl::memory::desc q_md({images, h, t, d}, dt::u8, tag::abcd);
  const dnnl::memory::desc kt_md({images, h, d, t}, dt::s8, tag::abdc);
  const dnnl::memory::desc s_md({images, h, t, t}, dt::s32, tag::abcd);
  const dnnl::memory::desc p_md({images, h, t, t}, dt::u8, tag::abcd);
  const dnnl::memory::desc v_md({images, h, t, d}, dt::s8, tag::abcd);
  const dnnl::memory::desc o_md({images, h, t, d}, dt::s32, {t * dim, d, dim, 1});
  dnnl::matmul::primitive_desc qk_pd(dnnl::matmul::desc(q_md, kt_md, s_md), engine);
  dnnl::matmul::primitive_desc pv_pd(dnnl::matmul::desc(p_md, v_md, o_md), engine);
  Plan plan{dnnl::matmul(qk_pd),
            dnnl::matmul(pv_pd),
            dnnl::memory(q_md, engine, q_.data()),
            dnnl::memory(kt_md, engine, k_.data()),
            dnnl::memory(s_md, engine, scores_.data()),
            dnnl::memory(p_md, engine, probs_.data()),
            dnnl::memory(v_md, engine, v_.data()),
            dnnl::memory(o_md, engine, out_acc_.data())};
  return plans_.emplace(images, std::move(plan)).first->second;
}

void Int8Attention::Capture(const AttentionSink& sink, int64_t images) {
  const int64_t t = tokens_;
  const size_t tt = static_cast<size_t>(t * t);
  widened_.resize(static_cast<size_t>(heads_) * tt);
  for (int64_t j = 0; j < images; ++j) {
    const std::optional<HeadFusion>& fusion = sink.fusion[j];
    if (!fusion.has_value()) continue;
    // Each probability as the P V product read it: its code times its row's step.
    for (int64_t row = 0; row < heads_ * t; ++row) {
      const float step = prob_scales_[j * heads_ * t + row];
      const uint8_t* codes = probs_.data() + (j * heads_ * t + row) * t;
      for (int64_t c = 0; c < t; ++c) widened_[row * t + c] = static_cast<float>(codes[c]) * step;
    }
    FuseHeads(*fusion, widened_.data(), static_cast<int>(heads_), tt,
              sink.dst + j * sink.image_stride);
  }
}

void Int8Attention::Run(const int32_t* qkv_acc, const Int8Dequantization& d, int64_t images,
                        uint8_t* out, float* out_scales, const AttentionSink* sink) {
  Plan& plan = PlanFor(images);
  const AttentionShape shape = Shape(images);
  auto& stream = CpuStream();
  QuantizeQkv(qkv_acc, shape, d, codes_);
  plan.qk.execute(
      stream, {{DNNL_ARG_SRC, plan.q}, {DNNL_ARG_WEIGHTS, plan.k}, {DNNL_ARG_DST, plan.scores}});
  stream.wait();
  SoftmaxToU8(scores_.data(), shape, codes_, probs_.data(), prob_scales_.data());
  if (sink != nullptr) Capture(*sink, images);
  plan.pv.execute(
      stream, {{DNNL_ARG_SRC, plan.probs}, {DNNL_ARG_WEIGHTS, plan.v}, {DNNL_ARG_DST, plan.out}});
  stream.wait();
  AttentionOutputToU8(out_acc_.data(), shape, prob_scales_.data(), v_scales_.data(), out,
                      out_scales);
}

}  // namespace vit::fast
