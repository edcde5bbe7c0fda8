// What follows an int8 layer's matrix product, in one pass over each row of
// its s32 accumulators while they are still in cache: the dequantization
// (input row scale x weight channel scale, minus the input zero point's
// share), the bias, then the layer's epilogue (GELU, the residual add) and
// the output's conversion (float32, bfloat16, or quantized again per row for
// the next int8 layer). oneDNN 2.6 can fuse a per-row scale only into its
// slower 3-D kernels, whose weights it re-packs on every call; a plain 2-D
// s8 x s8 -> s32 product with prepacked weights followed by this pass is
// faster (fast_linear.h). AVX-512 where the CPU has it, portable otherwise.
#pragma once

#include <cstdint>

namespace vit::fast {

/// The dequantization of row r, channel n:
///   v = (acc[r][n] - offsets[n]) * row_scales[r] * weight_scales[n] + bias[n]
struct Int8Dequantization {
  const float* row_scales = nullptr;     // [rows]: the input's per-row scales
  const float* weight_scales = nullptr;  // [out]: the weight's per-channel scales
  const int32_t* offsets = nullptr;      // [out]: input zero point x weight column sum; null: 0
  const float* bias = nullptr;           // [out]; null: none
  bool gelu = false;                     // v = gelu_erf(v) after the bias
};

/// Where the dequantized rows go.
enum class Int8Output {
  kFloat,       // dst float32 [rows, out] = v
  kBf16,        // dst bfloat16 [rows, out] = v, round to nearest even
  kAccumulate,  // dst float32 [rows, out] += v (the residual stream)
  kQuantizeU8,  // dst u8 [rows, out], quantized per row (QuantizeRowReferenceU8)
};

/// The LayerNorm that reads a kAccumulate layer's residual stream, fused
/// into its epilogue: each row, once added to, is normalized and quantized
/// for the next int8 layer (LayerNormQuantizeRow) while it is in cache,
/// instead of in a pass of its own over the whole stream.
struct Int8NextNorm {
  const float* gamma = nullptr;  // [out]
  const float* beta = nullptr;   // [out]
  float eps = 0.f;
  uint8_t* codes = nullptr;  // [rows, out], symmetric + kSymmetricZeroPoint
  float* scales = nullptr;   // [rows]
};

/// Applies `d` to each row of `acc` [rows, out] and writes it as `output`
/// says. kQuantizeU8 uses `zero_point` and writes one scale per row into
/// `dst_scales`. With kAccumulate, `next_norm` (optional) normalizes each
/// updated row (row r's codes may overwrite the layer's own input row r:
/// its row scale is read first). Parallel over rows.
void DequantizeRows(const int32_t* acc, int64_t rows, int64_t out, const Int8Dequantization& d,
                    Int8Output output, void* dst, int32_t zero_point = 0,
                    float* dst_scales = nullptr, const Int8NextNorm* next_norm = nullptr);

/// gelu_erf(x) = 0.5 x (1 + erf(x / sqrt 2)) for `n` values in place, as
/// DequantizeRows computes it (erf to within 3e-7): for the tests.
void GeluErf(float* x, int64_t n);

}  // namespace vit::fast
