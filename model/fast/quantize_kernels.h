// The int8 precision's quantization kernels: symmetric int8 with one scale
// per row (per token for activations, per output channel for weights),
// computed at run time from the row's largest magnitude. The LayerNorm
// variant writes int8 directly, so quantizing a linear layer's input costs no
// extra pass over memory. AVX-512 where the CPU has it, portable loops
// otherwise (both round half to even); parallel over rows.
#pragma once

#include <cstdint>

namespace vit::fast {

/// The quantization every kernel here implements, for one row of `dim` values
/// already in float32: scale = max|y| / 127, q[i] = round_half_even(y[i] *
/// (127 / max|y|)) in [-127, 127]; an all-zero row gets scale 0 and q = 0.
/// So y[i] ~ q[i] * scale. The reference the tests compare the kernels with.
void QuantizeRowReference(const float* y, int64_t dim, int8_t* q, float* scale);

/// Each row of `x` [rows, dim] float32 -> `q` [rows, dim] int8 and `scales` [rows].
void QuantizeRows(const float* x, int64_t rows, int64_t dim, int8_t* q, float* scales);

/// The same for bfloat16 input (the bits of each value, as fast_kernels.h writes them).
void QuantizeRowsBf16(const uint16_t* x, int64_t rows, int64_t dim, int8_t* q, float* scales);

/// LayerNorm (as fast_kernels.h's LayerNorm computes it, float32) of each row
/// of `x` [rows, dim], quantized per row into `q` [rows, dim] and `scales` [rows].
void LayerNormQuantize(const float* x, int64_t rows, int64_t dim, const float* gamma,
                       const float* beta, float eps, int8_t* q, float* scales);

}  // namespace vit::fast
