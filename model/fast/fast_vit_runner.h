// The fast inference path of a VisionTransformer: its weights prepacked once
// for oneDNN (bf16 on AMX / AVX512-BF16, or fp32) and a forward pass with
// fused qkv, batched attention, bias/GELU/residual fused into the matmuls,
// vectorized LayerNorm and preallocated activations. The LibTorch module stays
// the container (its final norm, pooling and head run the model's own code in
// float32) and the reference path.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "model/fast/fast_attention.h"
#include "model/fast/fast_linear.h"
#include "model/vision_transformer.h"

namespace vit::fast {

struct FastVitOptions {
  /// Weights and activations between the reductions in bfloat16 (LayerNorm
  /// statistics, softmax and the residual stream stay float32); else float32.
  bool bf16 = false;
  /// Images per batch the packed weight layout is tuned for.
  int64_t hint_batch = 8;
};

class FastVitRunner {
 public:
  /// Packs the weights of `net` (eval mode, float32) for token inputs on a
  /// grid_h x grid_w patch grid, then frees the parameters of its patch
  /// embedding and blocks: from here on `net` only serves the final norm,
  /// pooling and head. Throws c10::Error on unsupported configurations.
  FastVitRunner(VisionTransformer net, int64_t grid_h, int64_t grid_w,
                const FastVitOptions& options);

  /// tokens [batch, grid_h * grid_w, C*P*P] float32 -> logits [batch, classes]
  /// and pooled features [batch, D], float32. Not thread-safe.
  VisionTransformerImpl::Outputs Run(const float* tokens, int64_t batch);

  /// Bytes of packed weights.
  int64_t packed_bytes() const { return packed_bytes_; }

 private:
  struct Block {
    std::vector<float> norm1_weight, norm1_bias, norm2_weight, norm2_bias;
    std::unique_ptr<FastLinear> qkv, proj, fc1, fc2;
  };
  void PackEmbedding(int64_t grid_h, int64_t grid_w);
  void PackBlock(BlockImpl& block);
  void Reserve(int64_t batch);
  void RunBlock(Block& block, int64_t batch);
  VisionTransformerImpl::Outputs RunHead(int64_t batch);

  VisionTransformer net_;
  FastVitOptions options_;
  dnnl::memory::data_type act_dt_;
  int64_t act_bytes_;
  int64_t dim_, hidden_, heads_, num_patches_, num_prefix_, tokens_, token_dim_;
  float eps_;
  std::unique_ptr<FastLinear> patch_embed_;
  std::vector<float> prefix_rows_;  // [num_prefix, D]: prefix tokens (+ their pos)
  std::vector<float> patch_pos_;    // [num_patches, D]
  std::vector<Block> blocks_;
  std::unique_ptr<FastAttention> attention_;
  int64_t packed_bytes_ = 0;

  // Activations for up to reserved_batch_ images, reused across calls. Buffers
  // whose lifetimes do not overlap within a block share memory.
  int64_t reserved_batch_ = 0;
  std::vector<float> x_;          // residual stream [B, T, D]
  std::vector<char> tokens_act_;  // bf16 input tokens [B, N, K]
  /// LayerNorm output [B, T, D], then (after qkv read it) the attention output.
  std::vector<char> normed_or_attn_;
  /// Patch embeddings [B, N, D] (f32), then qkv [B, T, 3D], then (after the
  /// attention read it) the MLP hidden layer [B, T, hidden].
  std::vector<char> wide_;
};

}  // namespace vit::fast
