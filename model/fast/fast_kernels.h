// Small vectorized kernels of the fast path: the parts of a ViT that are not
// matrix products. AVX-512 (with AVX512-BF16 for bf16 output) where the CPU
// has it, portable loops otherwise; parallel over rows with LibTorch's pool.
#pragma once

#include <cstdint>

namespace vit::fast {

/// Row-wise LayerNorm of `x` [rows, dim] (float32) into `out` [rows, dim],
/// float32 or, with `out_bf16`, bfloat16 (round to nearest even). Mean and
/// variance are computed in float32 in two passes, the second correcting the
/// first's rounding of the mean (fast_kernels.cc).
void LayerNorm(const float* x, int64_t rows, int64_t dim, const float* gamma, const float* beta,
               float eps, void* out, bool out_bf16);

/// LayerNorm of one row of `dim` values into float32 `y`, exactly as
/// LayerNorm computes it: for kernels that fuse a step after the norm
/// (quantize_kernels.h). Not parallel.
void LayerNormRow(const float* x, int64_t dim, const float* gamma, const float* beta, float eps,
                  float* y);

/// AVX-512 F, BW and VL (read once): what the AVX-512 kernels of the fast
/// path (here, quantize_kernels.h, int8_epilogue.h) need.
bool HasAvx512Kernels();
/// How many threads these kernels' parallel passes run on: at::get_num_threads()
/// where they were compiled with OpenMP, else 1 (at::parallel_for is a
/// header template that runs serially without it; model/CMakeLists.txt).
int KernelThreads();
/// float32 -> bfloat16, round to nearest even.
void ConvertToBf16(const float* src, uint16_t* dst, int64_t n);

/// The token sequence of a batch: x[b] = concat(prefix [num_prefix, dim],
/// patches[b] + pos [num_patches, dim]). `patches` is [batch, num_patches, dim],
/// `x` is [batch, num_prefix + num_patches, dim].
void AssembleTokens(const float* patches, const float* prefix, const float* pos, int64_t batch,
                    int64_t num_prefix, int64_t num_patches, int64_t dim, float* x);

}  // namespace vit::fast
