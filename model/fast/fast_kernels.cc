#include "model/fast/fast_kernels.h"

#include <ATen/Parallel.h>
#include <immintrin.h>

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

void LayerNormRowPortable(const float* x, int64_t dim, const float* gamma, const float* beta,
                          float eps, float* out_f32, uint16_t* out_bf16) {
  float sum = 0.f;
  for (int64_t i = 0; i < dim; ++i) sum += x[i];
  const float mean = sum / static_cast<float>(dim);
  float sq = 0.f;
  for (int64_t i = 0; i < dim; ++i) sq += (x[i] - mean) * (x[i] - mean);
  const float rstd = 1.f / std::sqrt(sq / static_cast<float>(dim) + eps);
  for (int64_t i = 0; i < dim; ++i) {
    const float y = (x[i] - mean) * rstd * gamma[i] + beta[i];
    if (out_f32 != nullptr) out_f32[i] = y;
    if (out_bf16 != nullptr) out_bf16[i] = Bf16RoundNearestEven(y);
  }
}

#define VIT_AVX512 __attribute__((target("avx512f,avx512bw,avx512vl,avx512bf16")))

// Horizontal sum (gcc 12's _mm512_reduce_add_ps trips -Wuninitialized).
VIT_AVX512 float SumLanes(__m512 v) {
  alignas(64) float lanes[16];
  _mm512_store_ps(lanes, v);
  float sum = 0.f;
  for (float f : lanes) sum += f;
  return sum;
}

VIT_AVX512 void LayerNormRowAvx512(const float* x, int64_t dim, const float* gamma,
                                   const float* beta, float eps, float* out_f32,
                                   uint16_t* out_bf16) {
  const int64_t vec = dim / 16 * 16;
  __m512 acc = _mm512_setzero_ps();
  for (int64_t i = 0; i < vec; i += 16) acc = _mm512_add_ps(acc, _mm512_loadu_ps(x + i));
  float sum = SumLanes(acc);
  for (int64_t i = vec; i < dim; ++i) sum += x[i];
  const float mean = sum / static_cast<float>(dim);
  const __m512 vmean = _mm512_set1_ps(mean);
  acc = _mm512_setzero_ps();
  for (int64_t i = 0; i < vec; i += 16) {
    const __m512 d = _mm512_sub_ps(_mm512_loadu_ps(x + i), vmean);
    acc = _mm512_fmadd_ps(d, d, acc);
  }
  float sq = SumLanes(acc);
  for (int64_t i = vec; i < dim; ++i) sq += (x[i] - mean) * (x[i] - mean);
  const float rstd = 1.f / std::sqrt(sq / static_cast<float>(dim) + eps);
  const __m512 vrstd = _mm512_set1_ps(rstd);
  for (int64_t i = 0; i < vec; i += 16) {
    const __m512 d = _mm512_mul_ps(_mm512_sub_ps(_mm512_loadu_ps(x + i), vmean), vrstd);
    const __m512 y = _mm512_fmadd_ps(d, _mm512_loadu_ps(gamma + i), _mm512_loadu_ps(beta + i));
    if (out_f32 != nullptr) _mm512_storeu_ps(out_f32 + i, y);
    if (out_bf16 != nullptr) {
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(out_bf16 + i),
                          reinterpret_cast<__m256i>(_mm512_cvtneps_pbh(y)));
    }
  }
  for (int64_t i = vec; i < dim; ++i) {
    const float y = (x[i] - mean) * rstd * gamma[i] + beta[i];
    if (out_f32 != nullptr) out_f32[i] = y;
    if (out_bf16 != nullptr) out_bf16[i] = Bf16RoundNearestEven(y);
  }
}

VIT_AVX512 void ConvertToBf16Avx512(const float* src, uint16_t* dst, int64_t n) {
  const int64_t vec = n / 16 * 16;
  for (int64_t i = 0; i < vec; i += 16) {
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst + i),
                        reinterpret_cast<__m256i>(_mm512_cvtneps_pbh(_mm512_loadu_ps(src + i))));
  }
  for (int64_t i = vec; i < n; ++i) dst[i] = Bf16RoundNearestEven(src[i]);
}

bool HasAvx512Bf16() {
  static const bool has = __builtin_cpu_supports("avx512f") && CpuHasAvx512Bf16();
  return has;
}

}  // namespace

void LayerNorm(const float* x, int64_t rows, int64_t dim, const float* gamma, const float* beta,
               float eps, void* out, bool out_bf16) {
  const bool simd = HasAvx512Bf16();
  at::parallel_for(0, rows, GrainRows(dim), [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      float* f32 = out_bf16 ? nullptr : static_cast<float*>(out) + r * dim;
      uint16_t* bf16 = out_bf16 ? static_cast<uint16_t*>(out) + r * dim : nullptr;
      if (simd) {
        LayerNormRowAvx512(x + r * dim, dim, gamma, beta, eps, f32, bf16);
      } else {
        LayerNormRowPortable(x + r * dim, dim, gamma, beta, eps, f32, bf16);
      }
    }
  });
}

void LayerNormRow(const float* x, int64_t dim, const float* gamma, const float* beta, float eps,
                  float* y) {
  if (HasAvx512Bf16()) {
    LayerNormRowAvx512(x, dim, gamma, beta, eps, y, nullptr);
  } else {
    LayerNormRowPortable(x, dim, gamma, beta, eps, y, nullptr);
  }
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
