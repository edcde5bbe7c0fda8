// FastAttention against a float64 reference of softmax(q k^T) v, with the
// images split into chunks of several sizes (the score budget sets how many
// images one oneDNN call takes): every chunking gives the same output.
#include "model/fast/fast_attention.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cstdint>

namespace vit::fast {
namespace {

constexpr int64_t kHeads = 3, kHeadDim = 16, kTokens = 7, kDim = kHeads * kHeadDim;

// qkv [batch, tokens, 3, heads, head_dim] (q already scaled) -> [batch, tokens, dim].
at::Tensor ReferenceAttention(const at::Tensor& qkv) {
  const int64_t batch = qkv.size(0);
  auto x =
      qkv.to(at::kDouble).reshape({batch, kTokens, 3, kHeads, kHeadDim}).permute({2, 0, 3, 1, 4});
  auto probs = at::softmax(at::matmul(x[0], x[1].transpose(-2, -1)), -1);
  return at::matmul(probs, x[2]).permute({0, 2, 1, 3}).reshape({batch, kTokens, kDim});
}

at::Tensor RunAttention(const at::Tensor& qkv, int64_t score_bytes) {
  const int64_t batch = qkv.size(0);
  FastAttention attention(kHeads, kHeadDim, kTokens, dnnl::memory::data_type::f32, score_bytes);
  auto out = at::zeros({batch, kTokens, kDim});
  attention.Run(qkv.data_ptr<float>(), out.data_ptr<float>(), batch);
  return out;
}

TEST(FastAttention, EveryChunkingMatchesTheReference) {
  at::manual_seed(7);
  const int64_t batch = 5;
  const auto qkv = at::randn({batch, kTokens, 3 * kDim}).contiguous();
  const auto expected = ReferenceAttention(qkv);
  const int64_t per_image = kHeads * kTokens * kTokens * int64_t{sizeof(float)};
  // 1 byte: one image per chunk; 2 images (5 = 2 + 2 + 1); all at once.
  for (int64_t score_bytes : {int64_t{1}, 2 * per_image, 8 * per_image}) {
    const auto out = RunAttention(qkv, score_bytes).to(at::kDouble);
    const double err = (out - expected).abs().max().item<double>();
    EXPECT_LT(err, 1e-5) << "score budget " << score_bytes << " bytes";
  }
}

}  // namespace
}  // namespace vit::fast
