// The passes of int8 attention (int8_attention.h) between its two oneDNN
// matmuls, each one pass over memory: the qkv layer's s32 accumulators to
// int8 q, k and v; the s32 scores Q K^T to u8 probabilities; the s32 product
// P V to the output projection's u8 input. AVX-512 where the CPU has it,
// portable loops otherwise; parallel over rows or heads.
//
// The codes, for one chunk of images [n] with heads [h], tokens [t] and
// head_dim [d] (dim = h * d):
// - q: per (token, head) symmetric s8, stored + kSymmetricZeroPoint as u8,
//   so Q K^T is a u8 x s8 VNNI product; the 128 x sum_d k[j][d] that adds
//   to score column j is subtracted by the softmax (k_offsets).
// - k: per (token, head) symmetric s8.
// - v: per (image, channel) symmetric s8 (a per-token scale would not factor
//   out of P V).
// - probabilities: u8 codes round(255 e_ij) with e_ij = exp(x_ij - max_j
//   x_ij), so the largest gets 255, and one scale per row, 1 / sum_j code_ij
//   (the dequantized row sums to exactly 1). A fixed 1/255 step fails the
//   fixture accuracy gate (small probabilities vanish); the per-row one
//   passes (README, int8 attention).
#pragma once

#include <cstdint>

#include "model/fast/int8_epilogue.h"

namespace vit::fast {

/// The int8 q, k, v of one chunk of images, written by QuantizeQkv.
struct QkvCodes {
  uint8_t* q = nullptr;          // [n, h, t, d], code + 128
  int8_t* k = nullptr;           // [n, h, t, d]
  int8_t* v = nullptr;           // [n, h, t, d]
  float* q_scales = nullptr;     // [n, h, t]
  float* k_scales = nullptr;     // [n, h, t]
  int32_t* k_offsets = nullptr;  // [n, h, t]: 128 x the sum of token j's k codes
  float* v_scales = nullptr;     // [n, dim]
};

/// The shape of one chunk of attention.
struct AttentionShape {
  int64_t images = 0, heads = 0, tokens = 0, head_dim = 0;
  int64_t dim() const { return heads * head_dim; }
};

/// qkv accumulators [n * t, 3 * dim] (token rows of q, k, v, each [h, d]),
/// dequantized by `d` (Int8Dequantization, no GELU) -> `codes`.
void QuantizeQkv(const int32_t* acc, const AttentionShape& shape, const Int8Dequantization& d,
                 const QkvCodes& codes);

/// Raw scores [n, h, t, t] (q codes x k codes) -> probabilities `probs`
/// [n, h, t, t] u8 and their row scales `prob_scales` [n, h, t]: row i of
/// head (b, h) is softmax_j(q_scale_i k_scale_j (raw_ij - k_offset_j)).
void SoftmaxToU8(const int32_t* scores, const AttentionShape& shape, const QkvCodes& codes,
                 uint8_t* probs, float* prob_scales);

/// P V accumulators [n, t, dim] (probability codes x v codes) -> each token
/// row's values o[c] = acc[c] * prob_scale(head of c) * v_scale[c], quantized
/// per row for the output projection: `out` [n * t, dim] u8 with zero point
/// kSymmetricZeroPoint as QuantizeRowReferenceU8 does it (all 256 codes,
/// where the symmetric ones use 255: on the fixtures' worst model, logits
/// within 1.8e-2 of fp32 instead of 2.8e-2) and `out_scales` [n * t].
void AttentionOutputToU8(const int32_t* acc, const AttentionShape& shape, const float* prob_scales,
                         const float* v_scales, uint8_t* out, float* out_scales);

/// The portable loops of the three passes (what runs without AVX-512): the
/// tests' reference for the vector code.
void QuantizeQkvPortable(const int32_t* acc, const AttentionShape& shape,
                         const Int8Dequantization& d, const QkvCodes& codes);
void SoftmaxToU8Portable(const int32_t* scores, const AttentionShape& shape, const QkvCodes& codes,
                         uint8_t* probs, float* prob_scales);
void AttentionOutputToU8Portable(const int32_t* acc, const AttentionShape& shape,
                                 const float* prob_scales, const float* v_scales, uint8_t* out,
                                 float* out_scales);

}  // namespace vit::fast
