#include "model/fast/fast_kernels.h"

#include <ATen/Parallel.h>
#include <immintrin.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>

#include "model/cpu_features.h"

namespace vit::fast {
namespace {

// Rows of `dim` values per parallel task: about 64 KiB of input.
int64_t GrainRows(int64_t dim) { return std::max<int64_t>(1, 16384 / std::max<int64_t>(1, dim)); }

uint16_t Bf16RoundNearestEven(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, sizeof(bits));
  if (std::isnan(f)) return static_cast<uint16_t>((bits >> 16) | 0x40);
  bits += 0x7fff + ((bits >> 16) & 1);
  return static_cast<uint16_t>(bits >> 16);
}

// A row's mean and 1 / sqrt(variance + eps).
struct RowMoments {
  float mean;
  float rstd;
};

// Two passes, the second also summing x - mean: its sum is the first pass's
// rounding error of the mean, added back. Without it a row whose mean is large
// next to its spread (an offset of 3, a spread of 0.003) carries the float
// rounding of the sum, divided by the small spread, into every output.
RowMoments MomentsFromSums(float mean, float deviation_sum, float square_sum, int64_t dim,
                           float eps) {
  const float n = static_cast<float>(dim);
  const float shift = deviation_sum / n;
  const float variance = std::max(0.f, square_sum / n - shift * shift);
  return {mean + shift, 1.f / std::sqrt(variance + eps)};
}

RowMoments MomentsPortable(const float* x, int64_t dim, float eps) {
  float sum = 0.f;
  for (int64_t i = 0; i < dim; ++i) sum += x[i];
  const float mean = sum / static_cast<float>(dim);
  float deviation_sum = 0.f, square_sum = 0.f;
  for (int64_t i = 0; i < dim; ++i) {
    const float d = x[i] - mean;
    deviation_sum += d;
    square_sum += d * d;
  }
  return MomentsFromSums(mean, deviation_sum, square_sum, dim, eps);
}

void NormalizeRowPortable(const float* x, int64_t dim, RowMoments m, const float* gamma,
                          const float* beta, float* out_f32, uint16_t* out_bf16) {
  for (int64_t i = 0; i < dim; ++i) {
    const float y = (x[i] - m.mean) * m.rstd * gamma[i] + beta[i];
    if (out_f32 != nullptr) out_f32[i] = y;
    if (out_bf16 != nullptr) out_bf16[i] = Bf16RoundNearestEven(y);
  }
}

// AVX-512 F for the float32 work; the bf16 conversion also needs AVX512-BF16
// (Ice Lake and Cascade Lake have the former, not the latter).
#define VIT_AVX512 __attribute__((target("avx512f,avx512bw,avx512vl")))
#define VIT_AVX512_BF16 __attribute__((target("avx512f,avx512bw,avx512vl,avx512bf16")))

// Horizontal sum (gcc 12's _mm512_reduce_add_ps trips -Wuninitialized).
VIT_AVX512 float SumLanes(__m512 v) {
  alignas(64) float lanes[16];
  _mm512_store_ps(lanes, v);
  float sum = 0.f;
  for (float f : lanes) sum += f;
  return sum;
}

VIT_AVX512 RowMoments MomentsAvx512(const float* x, int64_t dim, float eps) {
  const int64_t vec = dim / 16 * 16;
  __m512 acc = _mm512_setzero_ps();
  for (int64_t i = 0; i < vec; i += 16) acc = _mm512_add_ps(acc, _mm512_loadu_ps(x + i));
  float sum = SumLanes(acc);
  for (int64_t i = vec; i < dim; ++i) sum += x[i];
  const float mean = sum / static_cast<float>(dim);
  const __m512 vmean = _mm512_set1_ps(mean);
  __m512 deviations = _mm512_setzero_ps(), squares = _mm512_setzero_ps();
  for (int64_t i = 0; i < vec; i += 16) {
    const __m512 d = _mm512_sub_ps(_mm512_loadu_ps(x + i), vmean);
    deviations = _mm512_add_ps(deviations, d);
    squares = _mm512_fmadd_ps(d, d, squares);
  }
  float deviation_sum = SumLanes(deviations), square_sum = SumLanes(squares);
  for (int64_t i = vec; i < dim; ++i) {
    const float d = x[i] - mean;
    deviation_sum += d;
    square_sum += d * d;
  }
  return MomentsFromSums(mean, deviation_sum, square_sum, dim, eps);
}

VIT_AVX512 void NormalizeRowAvx512(const float* x, int64_t dim, RowMoments m, const float* gamma,
                                   const float* beta, float* y) {
  const int64_t vec = dim / 16 * 16;
  const __m512 vmean = _mm512_set1_ps(m.mean), vrstd = _mm512_set1_ps(m.rstd);
  for (int64_t i = 0; i < vec; i += 16) {
    const __m512 d = _mm512_mul_ps(_mm512_sub_ps(_mm512_loadu_ps(x + i), vmean), vrstd);
    _mm512_storeu_ps(y + i,
                     _mm512_fmadd_ps(d, _mm512_loadu_ps(gamma + i), _mm512_loadu_ps(beta + i)));
  }
  NormalizeRowPortable(x + vec, dim - vec, m, gamma + vec, beta + vec, y + vec, nullptr);
}

VIT_AVX512_BF16 void NormalizeRowAvx512Bf16(const float* x, int64_t dim, RowMoments m,
                                            const float* gamma, const float* beta, uint16_t* y) {
  const int64_t vec = dim / 16 * 16;
  const __m512 vmean = _mm512_set1_ps(m.mean), vrstd = _mm512_set1_ps(m.rstd);
  for (int64_t i = 0; i < vec; i += 16) {
    const __m512 d = _mm512_mul_ps(_mm512_sub_ps(_mm512_loadu_ps(x + i), vmean), vrstd);
    const __m512 v = _mm512_fmadd_ps(d, _mm512_loadu_ps(gamma + i), _mm512_loadu_ps(beta + i));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(y + i),
                        reinterpret_cast<__m256i>(_mm512_cvtneps_pbh(v)));
  }
  NormalizeRowPortable(x + vec, dim - vec, m, gamma + vec, beta + vec, nullptr, y + vec);
}

bool HasAvx512Bf16() {
  static const bool has = HasAvx512Kernels() && CpuHasAvx512Bf16();
  return has;
}

// One row, float32 or bf16 output, on the widest kernels this CPU has.
void LayerNormRowInto(const float* x, int64_t dim, const float* gamma, const float* beta, float eps,
                      float* out_f32, uint16_t* out_bf16) {
  const bool simd = HasAvx512Kernels();
  const RowMoments m = simd ? MomentsAvx512(x, dim, eps) : MomentsPortable(x, dim, eps);
  if (out_f32 != nullptr && simd) {
    NormalizeRowAvx512(x, dim, m, gamma, beta, out_f32);
  } else if (out_bf16 != nullptr && HasAvx512Bf16()) {
    NormalizeRowAvx512Bf16(x, dim, m, gamma, beta, out_bf16);
  } else {
    NormalizeRowPortable(x, dim, m, gamma, beta, out_f32, out_bf16);
  }
}

VIT_AVX512_BF16 void ConvertToBf16Avx512(const float* src, uint16_t* dst, int64_t n) {
  const int64_t vec = n / 16 * 16;
  for (int64_t i = 0; i < vec; i += 16) {
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst + i),
                        reinterpret_cast<__m256i>(_mm512_cvtneps_pbh(_mm512_loadu_ps(src + i))));
  }
  for (int64_t i = vec; i < n; ++i) dst[i] = Bf16RoundNearestEven(src[i]);
}

}  // namespace

void LayerNorm(const float* x, int64_t rows, int64_t dim, const float* gamma, const float* beta,
               float eps, void* out, bool out_bf16) {
  at::parallel_for(0, rows, GrainRows(dim), [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      float* f32 = out_bf16 ? nullptr : static_cast<float*>(out) + r * dim;
      uint16_t* bf16 = out_bf16 ? static_cast<uint16_t*>(out) + r * dim : nullptr;
      LayerNormRowInto(x + r * dim, dim, gamma, beta, eps, f32, bf16);
    }
  });
}

void LayerNormRow(const float* x, int64_t dim, const float* gamma, const float* beta, float eps,
                  float* y) {
  LayerNormRowInto(x, dim, gamma, beta, eps, y, nullptr);
}

bool HasAvx512Kernels() {
  static const bool has = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                          __builtin_cpu_supports("avx512vl");
  return has;
}

int KernelThreads() {
  // Counted, not read off _OPENMP, so that it reports what at::parallel_for does.
  std::atomic<int> tasks{0};
  at::parallel_for(0, at::get_num_threads(), 1, [&](int64_t, int64_t) { ++tasks; });
  return tasks.load();
}

void ConvertToBf16(const float* src, uint16_t* dst, int64_t n) {
  const bool simd = HasAvx512Bf16();
  at::parallel_for(0, n, 1 << 16, [&](int64_t begin, int64_t end) {
    if (simd) {
      ConvertToBf16Avx512(src + begin, dst + begin, end - begin);
    } else {
      for (int64_t i = begin; i < end; ++i) dst[i] = Bf16RoundNearestEven(src[i]);
    }
  });
}

void AssembleTokens(const float* patches, const float* prefix, const float* pos, int64_t batch,
                    int64_t num_prefix, int64_t num_patches, int64_t dim, float* x) {
  const int64_t tokens = num_prefix + num_patches;
  at::parallel_for(0, batch * tokens, GrainRows(dim), [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      const int64_t b = r / tokens, t = r % tokens;
      float* dst = x + r * dim;
      if (t < num_prefix) {
        std::memcpy(dst, prefix + t * dim, sizeof(float) * dim);
        continue;
      }
      const float* p = patches + (b * num_patches + t - num_prefix) * dim;
      const float* e = pos + (t - num_prefix) * dim;
      for (int64_t i = 0; i < dim; ++i) dst[i] = p[i] + e[i];
    }
  });
}

}  // namespace vit::fast
