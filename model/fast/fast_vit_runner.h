// The fast inference path of a VisionTransformer, built from its timm-named
// weights and VitConfig (no LibTorch module): the weights prepacked once for
// oneDNN (bf16 on AMX / AVX512-BF16, fp32, or int8 linear layers on VNNI /
// AMX-INT8) and a forward pass with fused
// qkv, batched attention, bias/GELU/residual fused into the matmuls,
// vectorized LayerNorm and preallocated activations. The final norm, pooling
// and head run in float32 through the same helpers as the module
// (model/classifier_head.h, model/token_embedding.h).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/attention_capture.h"
#include "model/classifier_head.h"
#include "model/fast/fast_attention.h"
#include "model/fast/fast_linear.h"
#include "model/fast/int8_attention.h"
#include "model/tensor_map.h"
#include "model/vit_config.h"

namespace vit::fast {

/// What the matmuls and the activations between them run in. A precision is
/// the pair (weights / activations dtype, accumulation): adding one means a
/// FastLinear configuration and a case in ActivationType(), nothing else.
enum class Precision {
  kFp32,
  /// Weights and activations between the reductions in bfloat16 (LayerNorm
  /// statistics, softmax and the residual stream stay float32).
  kBf16,
  /// The linear layers (patch embedding, qkv, proj, fc1, fc2) in int8: s8
  /// weights quantized per output channel once, inputs quantized per token
  /// at run time (fused into the LayerNorm that produces them) to symmetric
  /// codes stored as u8 (fc2's, GELU's output, asymmetric u8), s32
  /// accumulation, float dequantization in the matmul's epilogue. Attention's
  /// two products in int8 too (int8_attention.h: q, k per token and head, v
  /// per channel, u8 probabilities with a scale per row), its softmax in
  /// float32. LayerNorm, GELU and the residual stream stay float32, and so
  /// does the head. Needs VNNI or AMX-INT8 (CheckInt8Support in
  /// model/engine_common.h).
  kInt8,
};

struct FastVitOptions {
  /// Default kFp32.
  Precision precision = Precision::kFp32;
  /// Images per batch the packed weight layout is tuned for.
  int64_t hint_batch = 8;
  /// Bytes of attention scores (float32; int8: s32) one chunk of images may hold (at least
  /// one image per chunk); int8 also computes qkv per such chunk. 0 = the
  /// precision's measured default (fast_vit_runner.cc: 8 MiB, 4 MiB for int8).
  int64_t attention_score_bytes = 0;
};

class FastVitRunner {
 public:
  struct Outputs {
    at::Tensor logits;    // [B, num_classes], float32
    at::Tensor features;  // [B, D], pre-logits, float32
  };

  /// Packs `weights` (timm names, float32, checked against `config`, e.g. by
  /// LoadCheckpoint) for token inputs on a grid_h x grid_w patch grid. Each
  /// weight is freed as soon as it is packed, so a mapped checkpoint's pages
  /// leave the process as packing goes. Throws c10::Error on a missing weight
  /// or a grid the model cannot take.
  FastVitRunner(const VitConfig& config, TensorMap weights, int64_t grid_h, int64_t grid_w,
                const FastVitOptions& options);

  /// tokens [batch, grid_h * grid_w, C*P*P] float32 -> logits [batch, classes]
  /// and pooled features [batch, D], float32. Not thread-safe.
  Outputs Run(const float* tokens, int64_t batch);
  /// Run() that also writes each block's head-fused attention for the images
  /// with capture.fusion[i] set (common/attention_capture.h; `capture`
  /// checked by the caller). Blocks of a batch where no image asked run as in
  /// Run().
  Outputs Run(const float* tokens, int64_t batch, const AttentionCapture& capture);

  /// Bytes of packed weights.
  int64_t packed_bytes() const { return packed_bytes_; }

 private:
  struct Block {
    std::vector<float> norm1_weight, norm1_bias, norm2_weight, norm2_bias;
    std::unique_ptr<FastLinear> qkv, proj, fc1, fc2;
  };
  class WeightStore;
  void PackEmbedding(WeightStore& weights, int64_t grid_h, int64_t grid_w);
  void PackBlock(WeightStore& weights, int index);
  /// A projection that adds into the residual stream (attn.proj, mlp.fc2),
  /// with its LayerScale `layer_scale` folded in when the config has one.
  /// `zero_point`: kInt8's zero point of the layer's u8 input (0 for floats).
  std::unique_ptr<FastLinear> PackResidualLinear(WeightStore& weights, const std::string& layer,
                                                 const std::string& layer_scale, int64_t rows,
                                                 int32_t zero_point);
  /// The zero point of a linear layer's input quantized by the runner
  /// (kSymmetricZeroPoint for kInt8, 0 otherwise); fc2's is kGeluZeroPoint.
  int32_t InputZeroPoint() const;
  void KeepHead(WeightStore& weights);
  void Reserve(int64_t batch);
  /// What a linear layer reads: its input, and for kInt8 the row scales.
  struct LinearInput {
    const void* data;
    const float* row_scales;  // null for float precisions
  };
  /// LayerNorm of the residual stream as the next linear layer's input.
  LinearInput Normalized(const std::vector<float>& gamma, const std::vector<float>& beta,
                         int64_t rows);
  /// qkv and attention from LayerNorm's output -> the output projection's
  /// input: act_dt_ (float precisions) or u8 codes and row scales (kInt8).
  LinearInput FloatAttention(Block& block, const LinearInput& normed, int64_t batch,
                             const AttentionSink* sink);
  LinearInput QuantizedAttention(Block& block, const LinearInput& normed, int64_t batch,
                                 const AttentionSink* sink);
  /// One block; `next` is the block after it (null for the last), whose
  /// first LayerNorm kInt8 fuses into this block's fc2.
  void RunBlock(Block& block, const Block* next, int64_t batch, const AttentionSink* sink);
  /// kInt8: a LayerNorm fused into a residual layer's epilogue, writing
  /// quantized_ / row_scales_.
  Int8NextNorm FusedNorm(const std::vector<float>& gamma, const std::vector<float>& beta);
  Outputs RunHead(int64_t batch);

  const VitConfig config_;
  const FastVitOptions options_;
  const bool bf16_;
  const bool int8_;
  /// Activations between the reductions: f32, or bf16 for kBf16 (kInt8's
  /// are int8 codes: f32 here only names the patch embeddings').
  dnnl::memory::data_type act_dt_;
  /// What the linear layers read: act_dt_, or u8 for kInt8.
  dnnl::memory::data_type linear_dt_;
  int64_t act_bytes_;
  int64_t dim_, hidden_, heads_, num_patches_, num_prefix_, tokens_, token_dim_;
  float eps_;
  std::unique_ptr<FastLinear> patch_embed_;
  std::vector<float> prefix_rows_;  // [num_prefix, D]: prefix tokens (+ their pos)
  std::vector<float> patch_pos_;    // [num_patches, D]
  std::vector<Block> blocks_;
  std::unique_ptr<FastAttention> attention_;       // float precisions
  std::unique_ptr<Int8Attention> int8_attention_;  // kInt8
  // The float32 tail: final norm (or fc_norm) and the head.
  at::Tensor norm_weight_, norm_bias_, fc_norm_weight_, fc_norm_bias_;
  HeadWeights head_;
  int64_t packed_bytes_ = 0;

  // Activations for up to reserved_batch_ images, reused across calls. Buffers
  // whose lifetimes do not overlap within a block share memory.
  int64_t reserved_batch_ = 0;
  std::vector<float> x_;          // residual stream [B, T, D]
  std::vector<char> tokens_act_;  // bf16 input tokens [B, N, K]
  /// Float precisions: LayerNorm output [B, T, D], then (after qkv read it)
  /// the attention output.
  std::vector<char> normed_or_attn_;
  /// Patch embeddings [B, N, D] (f32), then (float precisions) qkv [B, T,
  /// 3D], then (after the attention read it) the MLP hidden layer [B, T, hidden].
  std::vector<char> wide_;
  /// kInt8: a linear layer's quantized input [B, T, max(K, D)] and its
  /// per-row scales [B, T] (LayerNorm's codes, then the attention output's);
  /// the hidden layer is u8 in wide_ (fc1 quantizes it), with its row scales
  /// in hidden_scales_.
  std::vector<uint8_t> quantized_;
  std::vector<float> row_scales_;
  std::vector<float> hidden_scales_;
};

}  // namespace vit::fast
