// The int8 precision's quantization kernels: symmetric int8 with one scale
// per row (per token for activations, per output channel for weights),
// computed at run time from the row's largest magnitude. The LayerNorm
// variant writes int8 directly, so quantizing a linear layer's input costs no
// extra pass over memory. AVX-512 where the CPU has it, portable loops
// otherwise (both round half to even); parallel over rows.
#pragma once

#include <cmath>
#include <cstdint>

namespace vit::fast {

/// The quantization every kernel here implements, for one row of `dim` values
/// already in float32: scale = max|y| / 127, q[i] = round_half_even(y[i] *
/// (127 / max|y|)) in [-127, 127]; an all-zero row gets scale 0 and q = 0.
/// So y[i] ~ q[i] * scale. The reference the tests compare the kernels with.
void QuantizeRowReference(const float* y, int64_t dim, int8_t* q, float* scale);

/// The zero point of the asymmetric u8 quantization of GELU outputs (fc2's
/// input): GELU is bounded below by -0.17, so a symmetric s8 code would leave
/// its negative half nearly unused; with 32 of the 256 codes below zero the
/// positive side gets 223 steps instead of 127.
constexpr int32_t kGeluZeroPoint = 32;

/// The u8 quantization with a fixed `zero_point` in (0, 255), for one row:
/// scale = max(max(y) / (255 - zero_point), -min(y) / zero_point, 0),
/// q[i] = clamp(round_half_even(y[i] * (1 / scale)) + zero_point, 0, 255)
/// (q = zero_point where scale is 0). So y[i] ~ (q[i] - zero_point) * scale,
/// never clipped. The reference the tests compare the kernels with.
void QuantizeRowReferenceU8(const float* y, int64_t dim, int32_t zero_point, uint8_t* q,
                            float* scale);

/// QuantizeRowReferenceU8's result for one row, with AVX-512 where the CPU
/// has it: for kernels that fuse the quantization into another pass. Not parallel.
void QuantizeRowU8(const float* y, int64_t dim, int32_t zero_point, uint8_t* q, float* scale);
/// The same with the row's range already known: lo = min(0, min y), hi =
/// max(0, max y), as a pass that produced y tracked them.
void QuantizeRowU8InRange(const float* y, int64_t dim, int32_t zero_point, float lo, float hi,
                          uint8_t* q, float* scale);

/// The zero point of symmetric codes stored as u8 (q + 128, in [1, 255]): the
/// int8 linear layers' inputs. The values are those of the s8 codes, but
/// oneDNN's VNNI kernels multiply u8 by s8, so an s8 input is shifted by 128
/// inside every matmul; shifted once here, ViT-B/16's qkv and fc1 matmuls ran
/// 5-14% faster (ONEDNN_VERBOSE medians in the model at batch 8, and a lone
/// 394x768x3072 matmul 699 -> 811 GOP/s; 2-core Ice Lake Xeon, 2026-12-03).
constexpr int32_t kSymmetricZeroPoint = 128;

/// `r` clamped to [lo, hi], NaN to lo, before it becomes an integer code: a
/// NaN or infinite value (a checkpoint's NaN weight, an overflowed
/// activation) gives codes of no meaning, never undefined behaviour (casting
/// a NaN float to an integer is; std::clamp passes NaN through).
inline float ClampCode(float r, float lo, float hi) { return std::fmin(std::fmax(r, lo), hi); }

/// Each row of `x` [rows, dim] float32 -> `q` [rows, dim] int8 and `scales` [rows].
void QuantizeRows(const float* x, int64_t rows, int64_t dim, int8_t* q, float* scales);

/// QuantizeRows' codes plus kSymmetricZeroPoint, as u8.
void QuantizeRowsAsU8(const float* x, int64_t rows, int64_t dim, uint8_t* q, float* scales);

/// The same for bfloat16 input (the bits of each value, as fast_kernels.h writes them).
void QuantizeRowsBf16AsU8(const uint16_t* x, int64_t rows, int64_t dim, uint8_t* q, float* scales);

/// QuantizeRowReferenceU8 on each row of `x` [rows, dim], float32 or bfloat16.
void QuantizeRowsU8(const float* x, int64_t rows, int64_t dim, int32_t zero_point, uint8_t* q,
                    float* scales);
void QuantizeRowsU8Bf16(const uint16_t* x, int64_t rows, int64_t dim, int32_t zero_point,
                        uint8_t* q, float* scales);

/// LayerNormQuantize's result for one row, with `scratch` [dim] floats for
/// the normalized row: for kernels that fuse it into another pass. Not parallel.
void LayerNormQuantizeRow(const float* x, int64_t dim, const float* gamma, const float* beta,
                          float eps, float* scratch, uint8_t* q, float* scale);

/// LayerNorm (as fast_kernels.h's LayerNorm computes it, float32) of each row
/// of `x` [rows, dim], quantized per row into `q` [rows, dim] (QuantizeRowsAsU8's
/// codes) and `scales` [rows].
void LayerNormQuantize(const float* x, int64_t rows, int64_t dim, const float* gamma,
                       const float* beta, float eps, uint8_t* q, float* scales);

}  // namespace vit::fast
