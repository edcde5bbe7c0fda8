#include "model/fast/fast_attention.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <cstring>

#include "common/attention_capture.h"

#include "model/fast/dnnl_context.h"

namespace vit::fast {

using dt = dnnl::memory::data_type;
using tag = dnnl::memory::format_tag;

FastAttention::FastAttention(int64_t heads, int64_t head_dim, int64_t tokens, dt act_dt,
                             int64_t score_bytes)
    : heads_(heads),
      head_dim_(head_dim),
      tokens_(tokens),
      act_dt_(act_dt),
      act_bytes_(act_dt == dt::bf16 ? 2 : 4) {
  const int64_t per_image = heads_ * tokens_ * tokens_ * int64_t{sizeof(float)};
  chunk_ = std::max<int64_t>(1, score_bytes / per_image);
}

bool FastAttention::DenseHeads() const { return act_dt_ == dt::f32; }

void FastAttention::SplitHeads(const char* qkv, int64_t images) {
  const int64_t t = tokens_, h = heads_, d = head_dim_, dim = heads_ * head_dim_;
  const size_t head_bytes = static_cast<size_t>(d * act_bytes_);
  const int64_t part_bytes = chunk_ * h * t * d * act_bytes_;  // one of q, k, v
  char* dst = reinterpret_cast<char*>(dense_qkv_.data());
  // One token row at a time: [3, heads, head_dim] -> three [images, heads, tokens, head_dim].
  at::parallel_for(0, images * t, 64, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      const int64_t image = r / t, token = r % t;
      const char* src = qkv + r * 3 * dim * act_bytes_;
      for (int64_t part = 0; part < 3; ++part) {
        for (int64_t head = 0; head < h; ++head) {
          std::memcpy(dst + part * part_bytes + ((image * h + head) * t + token) * d * act_bytes_,
                      src + (part * dim + head * d) * act_bytes_, head_bytes);
        }
      }
    }
  });
}

FastAttention::Plan& FastAttention::PlanFor(int64_t images) {
  auto it = plans_.find(images);
  if (it != plans_.end()) return it->second;
  const int64_t t = tokens_, h = heads_, d = head_dim_, dim = heads_ * head_dim_;
  const int64_t row = 3 * dim;  // one token's q, k and v
  auto& engine = CpuEngine();
  // In place: q, k and v of each token interleaved; dense: SplitHeads' blocks.
  const bool dense = DenseHeads();
  dnnl::memory::desc q_md =
      dense ? dnnl::memory::desc({images, h, t, d}, act_dt_, tag::abcd)
            : dnnl::memory::desc({images, h, t, d}, act_dt_, {t * row, d, row, 1});
  dnnl::memory::desc kt_md =
      dense ? dnnl::memory::desc({images, h, d, t}, act_dt_, tag::abdc)
            : dnnl::memory::desc({images, h, d, t}, act_dt_, {t * row, d, 1, row});
  dnnl::memory::desc s_md({images, h, t, t}, dt::f32, tag::abcd);
  dnnl::memory::desc p_md({images, h, t, t}, act_dt_, tag::abcd);
  dnnl::memory::desc v_md = q_md;
  dnnl::memory::desc o_md({images, h, t, d}, act_dt_, {t * dim, d, dim, 1});

  dnnl::matmul::primitive_desc qk_pd(dnnl::matmul::desc(q_md, kt_md, s_md), engine);
  dnnl::softmax_v2_forward::primitive_desc sm_pd(
      dnnl::softmax_v2_forward::desc(dnnl::prop_kind::forward_inference,
                                     dnnl::algorithm::softmax_accurate, s_md, p_md, /*axis=*/3),
      engine);
  dnnl::matmul::primitive_desc pv_pd(dnnl::matmul::desc(p_md, v_md, o_md), engine);

  if (scores_.empty()) {
    scores_.resize(static_cast<size_t>(chunk_ * h * t * t));
    if (act_dt_ == dt::bf16) probs_.resize(scores_.size());
    if (dense) dense_qkv_.resize(static_cast<size_t>(3 * chunk_ * h * t * d));
  }
  void* probs = act_dt_ == dt::bf16 ? static_cast<void*>(probs_.data()) : scores_.data();
  Plan plan{dnnl::matmul(qk_pd),
            dnnl::softmax_v2_forward(sm_pd),
            dnnl::matmul(pv_pd),
            dnnl::memory(q_md, engine, nullptr),
            dnnl::memory(kt_md, engine, nullptr),
            dnnl::memory(s_md, engine, scores_.data()),
            dnnl::memory(s_md, engine, scores_.data()),
            dnnl::memory(p_md, engine, probs),
            dnnl::memory(v_md, engine, nullptr),
            dnnl::memory(o_md, engine, nullptr)};
  return plans_.emplace(images, std::move(plan)).first->second;
}

void FastAttention::Capture(const AttentionSink& sink, int64_t first, int64_t images) {
  const size_t tt = static_cast<size_t>(tokens_ * tokens_);
  const size_t per_image = static_cast<size_t>(heads_) * tt;
  for (int64_t j = 0; j < images; ++j) {
    const std::optional<HeadFusion>& fusion = sink.fusion[first + j];
    if (!fusion.has_value()) continue;
    const float* probs = scores_.data() + j * per_image;
    if (act_dt_ == dt::bf16) {
      widened_.resize(per_image);
      const uint16_t* bf16 = probs_.data() + j * per_image;
      for (size_t i = 0; i < per_image; ++i) {
        const uint32_t bits = uint32_t{bf16[i]} << 16;
        std::memcpy(&widened_[i], &bits, sizeof(float));
      }
      probs = widened_.data();
    }
    FuseHeads(*fusion, probs, static_cast<int>(heads_), tt,
              sink.dst + (first + j) * sink.image_stride);
  }
}

void FastAttention::Run(const void* qkv, void* out, int64_t batch, const AttentionSink* sink) {
  const int64_t dim = heads_ * head_dim_;
  const auto* base = static_cast<const char*>(qkv);
  auto* out_base = static_cast<char*>(out);
  auto& stream = CpuStream();
  for (int64_t first = 0; first < batch; first += chunk_) {
    const int64_t images = std::min(chunk_, batch - first);
    Plan& plan = PlanFor(images);
    const char* src = base + first * tokens_ * 3 * dim * act_bytes_;
    if (DenseHeads()) {
      SplitHeads(src, images);
      const int64_t part = chunk_ * heads_ * tokens_ * head_dim_;
      plan.q.set_data_handle(dense_qkv_.data());
      plan.k.set_data_handle(dense_qkv_.data() + part);
      plan.v.set_data_handle(dense_qkv_.data() + 2 * part);
    } else {
      plan.q.set_data_handle(const_cast<char*>(src));
      plan.k.set_data_handle(const_cast<char*>(src + dim * act_bytes_));
      plan.v.set_data_handle(const_cast<char*>(src + 2 * dim * act_bytes_));
    }
    plan.out.set_data_handle(out_base + first * tokens_ * dim * act_bytes_);
    plan.qk.execute(
        stream, {{DNNL_ARG_SRC, plan.q}, {DNNL_ARG_WEIGHTS, plan.k}, {DNNL_ARG_DST, plan.scores}});
    plan.softmax.execute(stream, {{DNNL_ARG_SRC, plan.probs_in}, {DNNL_ARG_DST, plan.probs}});
    if (sink != nullptr) {
      stream.wait();
      Capture(*sink, first, images);
    }
    plan.pv.execute(
        stream, {{DNNL_ARG_SRC, plan.probs}, {DNNL_ARG_WEIGHTS, plan.v}, {DNNL_ARG_DST, plan.out}});
  }
}

}  // namespace vit::fast
