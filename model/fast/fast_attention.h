// Multi-head self-attention on oneDNN, from the fused qkv output: batched
// Q K^T (all heads of a chunk of images in one matmul, read in place through
// strides, or for float32 from dense per-head copies), an accurate float32
// softmax, and P V written directly in the [batch, tokens, heads * head_dim]
// layout the output projection reads.
#pragma once

#include <cstdint>
#include <optional>
#include <unordered_map>
#include <vector>

#include <oneapi/dnnl/dnnl.hpp>

#include "common/explanation.h"

namespace vit::fast {

/// Where one block's head-fused softmax attention goes (explanations).
struct AttentionSink {
  /// One entry per image of the batch; nullopt = not captured.
  const std::optional<HeadFusion>* fusion = nullptr;
  /// Image i's [tokens, tokens] float32 matrix at dst + i * image_stride.
  float* dst = nullptr;
  int64_t image_stride = 0;
};

class FastAttention {
 public:
  /// `act_dt` is the dtype of qkv and of the output (f32 or bf16).
  /// `score_bytes` bounds the float32 score matrices of one chunk of images
  /// (at least one image per chunk); their buffers are the largest
  /// activations the block keeps.
  FastAttention(int64_t heads, int64_t head_dim, int64_t tokens, dnnl::memory::data_type act_dt,
                int64_t score_bytes);

  /// qkv [batch, tokens, 3, heads, head_dim] with q already scaled by
  /// 1/sqrt(head_dim) -> out [batch, tokens, heads * head_dim]. With a
  /// `sink`, the probabilities of the images that asked are fused over the
  /// heads (as the P V product read them: float32, or bfloat16 widened) and
  /// written there.
  void Run(const void* qkv, void* out, int64_t batch, const AttentionSink* sink = nullptr);

  /// Images one oneDNN call takes (from `score_bytes`).
  int64_t images_per_chunk() const { return chunk_; }

 private:
  struct Plan {
    dnnl::matmul qk;
    dnnl::softmax_v2_forward softmax;
    dnnl::matmul pv;
    dnnl::memory q, k, scores, probs_in, probs, v, out;
  };
  Plan& PlanFor(int64_t images);
  // float32: oneDNN 2.6 runs the matmuls over the interleaved, strided q/k/v
  // views on gemm:jit (about 100 GFLOP/s on a 2-core Ice Lake Xeon), and over
  // dense per-head blocks on brg:avx512_core (170-220): copying them first is
  // faster. bf16 keeps the in-place views (not measured without native bf16).
  bool DenseHeads() const;
  // Copies q, k and v of images [0, images) of `qkv` into dense_qkv_.
  void SplitHeads(const char* qkv, int64_t images);
  // Fuses the probabilities of images [first, first + images) that `sink` wants.
  void Capture(const AttentionSink& sink, int64_t first, int64_t images);

  int64_t heads_, head_dim_, tokens_;
  dnnl::memory::data_type act_dt_;
  int64_t act_bytes_;
  /// Images per attention chunk: keeps the score matrices cache-sized.
  int64_t chunk_;
  std::vector<float> scores_;     // [chunk, heads, tokens, tokens]
  std::vector<uint16_t> probs_;   // bf16 probabilities (unused for f32)
  std::vector<float> widened_;    // one image's bf16 probabilities as float32 (capture only)
  std::vector<float> dense_qkv_;  // DenseHeads: q, k, v, each [chunk, heads, tokens, head_dim]
  std::unordered_map<int64_t, Plan> plans_;
};

}  // namespace vit::fast
