// Multi-head self-attention of the int8 precision, from the qkv layer's s32
// accumulators to the output projection's u8 input, a chunk of images at a
// time: q, k, v quantized (int8_attention_kernels.h), Q K^T as a batched
// u8 x s8 -> s32 oneDNN matmul over dense per-head blocks, a softmax that
// dequantizes the scores and writes u8 probabilities with one scale per row,
// P V as a second u8 x s8 -> s32 matmul written straight in the [tokens,
// heads * head_dim] layout, and its dequantization fused with the
// quantization of each token row for the projection.
//
// Why: with the linear layers in int8, bf16 attention was 15% of a ViT-B/16
// forward (2-core Zen 5 EPYC: Q K^T and P V 0.23 ms each per chunk of 2
// images on gemm:jit over strided bf16 views, against 0.11 / 0.09 ms for
// these u8 x s8 products on brg:avx512_core_vnni). The accuracy of these
// codes was measured on every fixture and on Fashion-MNIST (README).
#pragma once

#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

#include <oneapi/dnnl/dnnl.hpp>

#include "model/fast/fast_attention.h"
#include "model/fast/int8_attention_kernels.h"
#include "model/fast/int8_epilogue.h"

namespace vit::fast {

class Int8Attention {
 public:
  /// `score_bytes` bounds the s32 score matrices of one chunk of images (at
  /// least one image per chunk), as FastAttention's.
  Int8Attention(int64_t heads, int64_t head_dim, int64_t tokens, int64_t score_bytes);

  /// `qkv_acc` [images * tokens, 3 * heads * head_dim]: the qkv layer's
  /// accumulators, dequantized by `d` (q already scaled by 1/sqrt(head_dim)),
  /// for at most images_per_chunk() images -> `out` [images * tokens, dim]
  /// u8 codes with zero point kSymmetricZeroPoint and `out_scales` [images *
  /// tokens] (AttentionOutputToU8). With a `sink`, the probabilities (widened from their codes) of
  /// the images that asked are fused over the heads and written there.
  /// oneDNN's threads share each product.
  void Run(const int32_t* qkv_acc, const Int8Dequantization& d, int64_t images, uint8_t* out,
           float* out_scales, const AttentionSink* sink = nullptr);

  /// Run() for one image on the calling thread alone, in workspace `thread`
  /// (one per thread of the caller's parallel region, which splits the
  /// images between them). PrepareOnThreads() first, outside that region.
  void PrepareOnThreads(int threads);
  void RunOnThread(int thread, const int32_t* qkv_acc, const Int8Dequantization& d, uint8_t* out,
                   float* out_scales, const AttentionSink* sink = nullptr);

  /// Images one call may take (from `score_bytes`).
  int64_t images_per_chunk() const { return chunk_; }

 private:
  /// The codes and products of up to `images` images.
  struct Workspace {
    int64_t images = 0;
    QkvCodes codes;  // views of the buffers below
    std::vector<uint8_t> q;
    std::vector<int8_t> k, v;
    std::vector<float> q_scales, k_scales, v_scales;
    std::vector<int32_t> k_offsets;
    std::vector<int32_t> scores;     // [images, heads, tokens, tokens]
    std::vector<uint8_t> probs;      // [images, heads, tokens, tokens]
    std::vector<float> prob_scales;  // [images, heads, tokens]
    std::vector<int32_t> out_acc;    // P V [images, tokens, dim]
    std::vector<float> widened;      // one image's probabilities as float32 (capture only)
  };
  struct Plan {
    dnnl::matmul qk, pv;
    dnnl::memory::desc q, k, scores, probs, v, out, qk_scratchpad, pv_scratchpad;
  };
  void Reserve(Workspace& w, int64_t images) const;
  /// `one_thread`: made in a OneThreadScope (dnnl_context.h).
  Plan MakePlan(int64_t images, bool one_thread) const;
  Plan& PlanFor(int64_t images);
  AttentionShape Shape(int64_t images) const;
  void RunIn(Workspace& w, const Plan& plan, const int32_t* qkv_acc, const Int8Dequantization& d,
             int64_t images, uint8_t* out, float* out_scales, const AttentionSink* sink);
  void Capture(Workspace& w, const AttentionSink& sink, int64_t images);

  int64_t heads_, head_dim_, tokens_;
  int64_t chunk_;
  Workspace shared_;                         // Run()
  std::vector<Workspace> per_thread_;        // RunOnThread(), one image each
  std::unordered_map<int64_t, Plan> plans_;  // Run(), by images
  std::unique_ptr<Plan> one_image_plan_;     // RunOnThread()
};

}  // namespace vit::fast
