#include "model/fast/quantize_kernels.h"

#include <ATen/Parallel.h>
#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <type_traits>
#include <vector>

#include "model/fast/fast_kernels.h"

namespace vit::fast {
namespace {

// Rows of `dim` values per parallel task: about 64 KiB of input.
int64_t GrainRows(int64_t dim) { return std::max<int64_t>(1, 16384 / std::max<int64_t>(1, dim)); }

float Bf16ToFloat(uint16_t bits) {
  const uint32_t wide = uint32_t{bits} << 16;
  float f;
  std::memcpy(&f, &wide, sizeof(f));
  return f;
}

// 127 / max|y|, or 0 for an all-zero row (which then quantizes to zeros).
float InverseStep(float absmax) { return absmax > 0.f ? 127.f / absmax : 0.f; }

int8_t QuantizeValue(float y, float inv) {
  const float r = std::nearbyint(y * inv);  // round half to even (default rounding mode)
  return static_cast<int8_t>(ClampCode(r, -127.f, 127.f));
}

// A symmetric code as stored: itself (int8_t), or plus kSymmetricZeroPoint (uint8_t).
int8_t StoredCode(int8_t q, int8_t* /*type*/) { return q; }
uint8_t StoredCode(int8_t q, uint8_t* /*type*/) {
  return static_cast<uint8_t>(int32_t{q} + kSymmetricZeroPoint);
}

template <typename Code>
void QuantizeRowPortable(const float* y, int64_t dim, Code* q, float* scale) {
  float absmax = 0.f;
  for (int64_t i = 0; i < dim; ++i) absmax = std::max(absmax, std::fabs(y[i]));
  const float inv = InverseStep(absmax);
  for (int64_t i = 0; i < dim; ++i) q[i] = StoredCode(QuantizeValue(y[i], inv), q);
  *scale = absmax / 127.f;
}

// 1 / scale of the u8 quantization, and the scale (0 for an all-zero row).
float U8Scale(float lo, float hi, int32_t zero_point) {
  return std::max(
      {hi / static_cast<float>(255 - zero_point), -lo / static_cast<float>(zero_point), 0.f});
}

void QuantizeRowU8InRangePortable(const float* y, int64_t dim, int32_t zero_point, float lo,
                                  float hi, uint8_t* q, float* scale) {
  const float s = U8Scale(lo, hi, zero_point);
  const float inv = s > 0.f ? 1.f / s : 0.f;
  const float zp = static_cast<float>(zero_point);
  for (int64_t i = 0; i < dim; ++i)
    q[i] = static_cast<uint8_t>(ClampCode(std::nearbyint(y[i] * inv) + zp, 0.f, 255.f));
  *scale = s;
}

void QuantizeRowU8Portable(const float* y, int64_t dim, int32_t zero_point, uint8_t* q,
                           float* scale) {
  float lo = 0.f, hi = 0.f;
  for (int64_t i = 0; i < dim; ++i) {
    lo = std::min(lo, y[i]);
    hi = std::max(hi, y[i]);
  }
  QuantizeRowU8InRangePortable(y, dim, zero_point, lo, hi, q, scale);
}

#define VIT_AVX512 __attribute__((target("avx512f,avx512bw,avx512vl")))

// The maskz_ forms with every lane set: the plain intrinsics pass an
// "undefined" register that gcc 12 reports as maybe-uninitialized.
constexpr __mmask16 kAll = 0xffff;

// Horizontal max through memory (gcc 12's _mm512_reduce_* trip -Wuninitialized).
VIT_AVX512 float MaxLanes(__m512 v) {
  alignas(64) float lanes[16];
  _mm512_store_ps(lanes, v);
  float m = 0.f;
  for (float f : lanes) m = std::max(m, f);
  return m;
}

template <typename Code>
VIT_AVX512 void QuantizeRowF32Avx512(const float* x, int64_t dim, Code* q, float* scale) {
  const int64_t vec = dim / 16 * 16;
  __m512 vmax = _mm512_setzero_ps();
  for (int64_t i = 0; i < vec; i += 16)
    vmax = _mm512_maskz_max_ps(kAll, vmax, _mm512_abs_ps(_mm512_loadu_ps(x + i)));
  float absmax = MaxLanes(vmax);
  for (int64_t i = vec; i < dim; ++i) absmax = std::max(absmax, std::fabs(x[i]));
  const float inv = InverseStep(absmax);
  const __m512 vinv = _mm512_set1_ps(inv);
  for (int64_t i = 0; i < vec; i += 16) {
    // |x * inv| <= 127, so the saturating narrow never clips; cvtps rounds
    // half to even under the default MXCSR, like std::nearbyint.
    const __m512i r = _mm512_maskz_cvtps_epi32(kAll, _mm512_mul_ps(_mm512_loadu_ps(x + i), vinv));
    __m128i codes = _mm512_maskz_cvtsepi32_epi8(kAll, r);
    // Two's complement q with its sign bit flipped is q + 128 as u8.
    if constexpr (std::is_same_v<Code, uint8_t>)
      codes = _mm_xor_si128(codes, _mm_set1_epi8(static_cast<char>(0x80)));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(q + i), codes);
  }
  for (int64_t i = vec; i < dim; ++i) q[i] = StoredCode(QuantizeValue(x[i], inv), q);
  *scale = absmax / 127.f;
}

VIT_AVX512 void Bf16RowToFloatAvx512(const uint16_t* x, int64_t dim, float* y) {
  const int64_t vec = dim / 16 * 16;
  for (int64_t i = 0; i < vec; i += 16) {
    const __m512i wide = _mm512_maskz_cvtepu16_epi32(
        kAll, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x + i)));
    _mm512_storeu_ps(y + i, _mm512_castsi512_ps(_mm512_maskz_slli_epi32(kAll, wide, 16)));
  }
  for (int64_t i = vec; i < dim; ++i) y[i] = Bf16ToFloat(x[i]);
}

VIT_AVX512 void QuantizeRowU8InRangeAvx512(const float* x, int64_t dim, int32_t zero_point,
                                           float lo, float hi, uint8_t* q, float* scale);

VIT_AVX512 void QuantizeRowU8Avx512(const float* x, int64_t dim, int32_t zero_point, uint8_t* q,
                                    float* scale) {
  const int64_t vec = dim / 16 * 16;
  __m512 vlo = _mm512_setzero_ps(), vhi = _mm512_setzero_ps();
  for (int64_t i = 0; i < vec; i += 16) {
    const __m512 v = _mm512_loadu_ps(x + i);
    vlo = _mm512_maskz_min_ps(kAll, vlo, v);
    vhi = _mm512_maskz_max_ps(kAll, vhi, v);
  }
  // The lowest value is the negated largest of -x.
  float lo = -MaxLanes(_mm512_sub_ps(_mm512_setzero_ps(), vlo)), hi = MaxLanes(vhi);
  for (int64_t i = vec; i < dim; ++i) {
    lo = std::min(lo, x[i]);
    hi = std::max(hi, x[i]);
  }
  QuantizeRowU8InRangeAvx512(x, dim, zero_point, lo, hi, q, scale);
}

VIT_AVX512 void QuantizeRowU8InRangeAvx512(const float* x, int64_t dim, int32_t zero_point,
                                           float lo, float hi, uint8_t* q, float* scale) {
  const int64_t vec = dim / 16 * 16;
  const float s = U8Scale(lo, hi, zero_point);
  const float inv = s > 0.f ? 1.f / s : 0.f;
  const __m512 vinv = _mm512_set1_ps(inv);
  const __m512i vzp = _mm512_set1_epi32(zero_point), zero = _mm512_setzero_si512();
  for (int64_t i = 0; i < vec; i += 16) {
    __m512i r = _mm512_maskz_cvtps_epi32(kAll, _mm512_mul_ps(_mm512_loadu_ps(x + i), vinv));
    r = _mm512_maskz_max_epi32(kAll, _mm512_add_epi32(r, vzp), zero);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(q + i), _mm512_maskz_cvtusepi32_epi8(kAll, r));
  }
  const float zp = static_cast<float>(zero_point);
  for (int64_t i = vec; i < dim; ++i)
    q[i] = static_cast<uint8_t>(ClampCode(std::nearbyint(x[i] * inv) + zp, 0.f, 255.f));
  *scale = s;
}

// One row, with AVX-512 where the CPU has it.
template <typename Code>
void QuantizeRowSymmetric(const float* y, int64_t dim, Code* q, float* scale) {
  if (HasAvx512Kernels()) {
    QuantizeRowF32Avx512(y, dim, q, scale);
  } else {
    QuantizeRowPortable(y, dim, q, scale);
  }
}

// Calls quantize(row, r) on each row r of x [rows, dim], in parallel.
template <typename Quantize>
void ForEachRow(const float* x, int64_t rows, int64_t dim, const Quantize& quantize) {
  at::parallel_for(0, rows, GrainRows(dim), [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) quantize(x + r * dim, r);
  });
}

// The same for bfloat16 rows, each widened to float32 once into a buffer
// that stays in L1 for the quantizer's two passes.
template <typename Quantize>
void ForEachBf16Row(const uint16_t* x, int64_t rows, int64_t dim, const Quantize& quantize) {
  const bool simd = HasAvx512Kernels();
  at::parallel_for(0, rows, GrainRows(dim), [&](int64_t begin, int64_t end) {
    std::vector<float> row(static_cast<size_t>(dim));
    for (int64_t r = begin; r < end; ++r) {
      if (simd) {
        Bf16RowToFloatAvx512(x + r * dim, dim, row.data());
      } else {
        for (int64_t i = 0; i < dim; ++i) row[i] = Bf16ToFloat(x[r * dim + i]);
      }
      quantize(row.data(), r);
    }
  });
}

// QuantizeRowSymmetric on each row of float32 x, stored as Code (s8, or u8 shifted).
template <typename Code>
void QuantizeRowsSymmetric(const float* x, int64_t rows, int64_t dim, Code* q, float* scales) {
  ForEachRow(x, rows, dim, [&](const float* y, int64_t r) {
    QuantizeRowSymmetric(y, dim, q + r * dim, scales + r);
  });
}

}  // namespace

void QuantizeRowReference(const float* y, int64_t dim, int8_t* q, float* scale) {
  QuantizeRowPortable(y, dim, q, scale);
}

void QuantizeRowReferenceU8(const float* y, int64_t dim, int32_t zero_point, uint8_t* q,
                            float* scale) {
  QuantizeRowU8Portable(y, dim, zero_point, q, scale);
}

void QuantizeRowU8(const float* y, int64_t dim, int32_t zero_point, uint8_t* q, float* scale) {
  if (HasAvx512Kernels()) {
    QuantizeRowU8Avx512(y, dim, zero_point, q, scale);
  } else {
    QuantizeRowU8Portable(y, dim, zero_point, q, scale);
  }
}

void QuantizeRowU8InRange(const float* y, int64_t dim, int32_t zero_point, float lo, float hi,
                          uint8_t* q, float* scale) {
  if (HasAvx512Kernels()) {
    QuantizeRowU8InRangeAvx512(y, dim, zero_point, lo, hi, q, scale);
  } else {
    QuantizeRowU8InRangePortable(y, dim, zero_point, lo, hi, q, scale);
  }
}

void QuantizeRowsU8(const float* x, int64_t rows, int64_t dim, int32_t zero_point, uint8_t* q,
                    float* scales) {
  ForEachRow(x, rows, dim, [&](const float* y, int64_t r) {
    QuantizeRowU8(y, dim, zero_point, q + r * dim, scales + r);
  });
}

void QuantizeRowsU8Bf16(const uint16_t* x, int64_t rows, int64_t dim, int32_t zero_point,
                        uint8_t* q, float* scales) {
  ForEachBf16Row(x, rows, dim, [&](const float* y, int64_t r) {
    QuantizeRowU8(y, dim, zero_point, q + r * dim, scales + r);
  });
}

void QuantizeRows(const float* x, int64_t rows, int64_t dim, int8_t* q, float* scales) {
  QuantizeRowsSymmetric(x, rows, dim, q, scales);
}

void QuantizeRowsAsU8(const float* x, int64_t rows, int64_t dim, uint8_t* q, float* scales) {
  QuantizeRowsSymmetric(x, rows, dim, q, scales);
}

void QuantizeRowsBf16AsU8(const uint16_t* x, int64_t rows, int64_t dim, uint8_t* q, float* scales) {
  ForEachBf16Row(x, rows, dim, [&](const float* y, int64_t r) {
    QuantizeRowSymmetric(y, dim, q + r * dim, scales + r);
  });
}

void LayerNormQuantizeRow(const float* x, int64_t dim, const float* gamma, const float* beta,
                          float eps, float* scratch, uint8_t* q, float* scale) {
  LayerNormRow(x, dim, gamma, beta, eps, scratch);
  QuantizeRowSymmetric(scratch, dim, q, scale);
}

void LayerNormQuantize(const float* x, int64_t rows, int64_t dim, const float* gamma,
                       const float* beta, float eps, uint8_t* q, float* scales) {
  at::parallel_for(0, rows, GrainRows(dim), [&](int64_t begin, int64_t end) {
    // The normalized row stays in L1 between the two passes over it.
    std::vector<float> y(static_cast<size_t>(dim));
    for (int64_t r = begin; r < end; ++r)
      LayerNormQuantizeRow(x + r * dim, dim, gamma, beta, eps, y.data(), q + r * dim, scales + r);
  });
}

}  // namespace vit::fast
