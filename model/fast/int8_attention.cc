#include "model/fast/int8_attention.h"

#include <c10/util/Exception.h>

#include <algorithm>
#include <memory>

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

void Int8Attention::Reserve(Workspace& w, int64_t images) const {
  if (w.images >= images) return;
  const int64_t t = tokens_, h = heads_, dim = heads_ * head_dim_;
  const auto values = static_cast<size_t>(images * t * dim);
  const auto rows = static_cast<size_t>(images * h * t);
  w.q.resize(values);
  w.k.resize(values);
  w.v.resize(values);
  w.q_scales.resize(rows);
  w.k_scales.resize(rows);
  w.k_offsets.resize(rows);
  w.v_scales.resize(static_cast<size_t>(images * dim));
  w.scores.resize(rows * static_cast<size_t>(t));
  w.probs.resize(w.scores.size());
  w.prob_scales.resize(rows);
  w.out_acc.resize(values);
  w.codes = {w.q.data(),        w.k.data(),         w.v.data(),       w.q_scales.data(),
             w.k_scales.data(), w.k_offsets.data(), w.v_scales.data()};
  w.images = images;
}

Int8Attention::Plan Int8Attention::MakePlan(int64_t images, bool one_thread) const {
  const int64_t t = tokens_, h = heads_, d = head_dim_, dim = heads_ * head_dim_;
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
  std::unique_ptr<OneThreadScope> scope;
  if (one_thread) scope = std::make_unique<OneThreadScope>();
  const dnnl::primitive_attr attr = UserScratchpadAttr();
  dnnl::matmul::primitive_desc qk_pd(dnnl::matmul::desc(q_md, kt_md, s_md), attr, engine);
  dnnl::matmul::primitive_desc pv_pd(dnnl::matmul::desc(p_md, v_md, o_md), attr, engine);
  return Plan{dnnl::matmul(qk_pd),     dnnl::matmul(pv_pd),    q_md, kt_md, s_md, p_md, v_md, o_md,
              qk_pd.scratchpad_desc(), pv_pd.scratchpad_desc()};
}

Int8Attention::Plan& Int8Attention::PlanFor(int64_t images) {
  auto it = plans_.find(images);
  if (it != plans_.end()) return it->second;
  return plans_.emplace(images, MakePlan(images, /*one_thread=*/false)).first->second;
}

void Int8Attention::PrepareOnThreads(int threads) {
  if (!one_image_plan_) one_image_plan_ = std::make_unique<Plan>(MakePlan(1, /*one_thread=*/true));
  if (static_cast<int>(per_thread_.size()) < threads) per_thread_.resize(threads);
  for (int i = 0; i < threads; ++i) Reserve(per_thread_[i], 1);
}

void Int8Attention::Capture(Workspace& w, const AttentionSink& sink, int64_t images) {
  const int64_t t = tokens_;
  const size_t tt = static_cast<size_t>(t * t);
  w.widened.resize(static_cast<size_t>(heads_) * tt);
  for (int64_t j = 0; j < images; ++j) {
    const std::optional<HeadFusion>& fusion = sink.fusion[j];
    if (!fusion.has_value()) continue;
    // Each probability as the P V product read it: its code times its row's step.
    for (int64_t row = 0; row < heads_ * t; ++row) {
      const float step = w.prob_scales[j * heads_ * t + row];
      const uint8_t* codes = w.probs.data() + (j * heads_ * t + row) * t;
      for (int64_t c = 0; c < t; ++c) w.widened[row * t + c] = static_cast<float>(codes[c]) * step;
    }
    FuseHeads(*fusion, w.widened.data(), static_cast<int>(heads_), tt,
              sink.dst + j * sink.image_stride);
  }
}

void Int8Attention::RunIn(Workspace& w, const Plan& plan, const int32_t* qkv_acc,
                          const Int8Dequantization& d, int64_t images, uint8_t* out,
                          float* out_scales, const AttentionSink* sink) {
  const AttentionShape shape = Shape(images);
  auto& engine = CpuEngine();
  QuantizeQkv(qkv_acc, shape, d, w.codes);
  const dnnl::memory q(plan.q, engine, w.q.data()), k(plan.k, engine, w.k.data());
  const dnnl::memory scores(plan.scores, engine, w.scores.data());
  ExecuteMatmulOnThread(plan.qk, q, k, scores, plan.qk_scratchpad);
  SoftmaxToU8(w.scores.data(), shape, w.codes, w.probs.data(), w.prob_scales.data());
  if (sink != nullptr) Capture(w, *sink, images);
  const dnnl::memory probs(plan.probs, engine, w.probs.data()), v(plan.v, engine, w.v.data());
  const dnnl::memory product(plan.out, engine, w.out_acc.data());
  ExecuteMatmulOnThread(plan.pv, probs, v, product, plan.pv_scratchpad);
  AttentionOutputToU8(w.out_acc.data(), shape, w.prob_scales.data(), w.v_scales.data(), out,
                      out_scales);
}

void Int8Attention::Run(const int32_t* qkv_acc, const Int8Dequantization& d, int64_t images,
                        uint8_t* out, float* out_scales, const AttentionSink* sink) {
  TORCH_CHECK(images <= chunk_, "Int8Attention: ", images, " images, at most ", chunk_,
              " per call");
  Reserve(shared_, chunk_);
  RunIn(shared_, PlanFor(images), qkv_acc, d, images, out, out_scales, sink);
}

void Int8Attention::RunOnThread(int thread, const int32_t* qkv_acc, const Int8Dequantization& d,
                                uint8_t* out, float* out_scales, const AttentionSink* sink) {
  TORCH_CHECK(one_image_plan_ && thread < static_cast<int>(per_thread_.size()),
              "Int8Attention: RunOnThread(", thread, ") before PrepareOnThreads");
  RunIn(per_thread_[thread], *one_image_plan_, qkv_acc, d, 1, out, out_scales, sink);
}

}  // namespace vit::fast
