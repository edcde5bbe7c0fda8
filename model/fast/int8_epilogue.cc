#include "model/fast/int8_epilogue.h"

#include <ATen/Parallel.h>
#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include "model/fast/fast_kernels.h"
#include "model/fast/quantize_kernels.h"

namespace vit::fast {
namespace {

// Rows per parallel task: about 32 KiB of accumulators.
int64_t GrainRows(int64_t out) { return std::max<int64_t>(1, 8192 / std::max<int64_t>(1, out)); }

float GeluScalar(float x) { return 0.5f * x * (1.f + std::erf(x * static_cast<float>(M_SQRT1_2))); }

// What a row's pass does with its values v besides: y = v, or y += v (the
// residual stream), and whether it tracks [min(0, v), max(0, v)] for the
// u8 quantization that follows (QuantizeRowU8InRange), saving it a pass.
struct RowSink {
  bool accumulate = false;
  float* range = nullptr;  // [2]: lo, hi; null: not tracked
};

void DequantizeRowPortable(const int32_t* acc, int64_t out, float row_scale,
                           const Int8Dequantization& d, float* y, const RowSink& sink) {
  float lo = 0.f, hi = 0.f;
  for (int64_t n = 0; n < out; ++n) {
    const int32_t a = acc[n] - (d.offsets != nullptr ? d.offsets[n] : 0);
    float v = static_cast<float>(a) * (row_scale * d.weight_scales[n]);  // as the vector code
    if (d.bias != nullptr) v += d.bias[n];
    if (d.gelu) v = GeluScalar(v);
    lo = std::min(lo, v);
    hi = std::max(hi, v);
    y[n] = sink.accumulate ? y[n] + v : v;
  }
  if (sink.range != nullptr) {
    sink.range[0] = lo;
    sink.range[1] = hi;
  }
}

#define VIT_AVX512 __attribute__((target("avx512f,avx512bw,avx512vl")))

// The maskz_ forms with every lane set: the plain intrinsics pass an
// "undefined" register that gcc 12 reports as maybe-uninitialized.
constexpr __mmask16 kAll = 0xffff;

// gelu_erf(x) with erf from Abramowitz & Stegun 7.1.28 (|error| <= 3e-7):
// 1 - erf(a) = (1 + a1 a + a2 a^2 + ... + a6 a^6)^-16 for a = |x| / sqrt 2,
// which is also 1 + erf(-a): negative x need no 1 - (1 - tiny) cancellation,
// and far below zero the power overflows to inf and the GELU to 0. No exp:
// 2.62 ns per 16 values on a Zen 5 EPYC core against 4.35 for 7.1.26 with its
// exp(-a^2) (1.5e-7: both are float32-exact GELUs to 5e-7 relative), whose
// cost made fc1's epilogue the int8 path's costliest pass after the matmuls.
VIT_AVX512 __m512 GeluAvx512(__m512 x) {
  const __m512 z = _mm512_mul_ps(x, _mm512_set1_ps(0.70710678118654752f));
  const __m512 a = _mm512_abs_ps(z);
  const __m512 one = _mm512_set1_ps(1.f);
  __m512 p = _mm512_set1_ps(0.0000430638f);
  p = _mm512_fmadd_ps(p, a, _mm512_set1_ps(0.0002765672f));
  p = _mm512_fmadd_ps(p, a, _mm512_set1_ps(0.0001520143f));
  p = _mm512_fmadd_ps(p, a, _mm512_set1_ps(0.0092705272f));
  p = _mm512_fmadd_ps(p, a, _mm512_set1_ps(0.0422820123f));
  p = _mm512_fmadd_ps(p, a, _mm512_set1_ps(0.0705230784f));
  p = _mm512_fmadd_ps(p, a, one);
  p = _mm512_mul_ps(p, p);  // p^2
  p = _mm512_mul_ps(p, p);  // p^4
  p = _mm512_mul_ps(p, p);  // p^8
  p = _mm512_mul_ps(p, p);  // p^16
  // r = 1 + erf(-a): 1 + erf(z) is r for z < 0 and 2 - r otherwise.
  __m512 r = _mm512_div_ps(one, p);
  const __mmask16 non_negative = _mm512_cmp_ps_mask(z, _mm512_setzero_ps(), _CMP_GE_OQ);
  r = _mm512_mask_sub_ps(r, non_negative, _mm512_set1_ps(2.f), r);
  return _mm512_mul_ps(_mm512_mul_ps(_mm512_set1_ps(0.5f), x), r);
}

VIT_AVX512 void DequantizeRowAvx512(const int32_t* acc, int64_t out, float row_scale,
                                    const Int8Dequantization& d, float* y, const RowSink& sink) {
  const int64_t vec = out / 16 * 16;
  const __m512 vrow = _mm512_set1_ps(row_scale);
  __m512 vlo = _mm512_setzero_ps(), vhi = _mm512_setzero_ps();
  for (int64_t n = 0; n < vec; n += 16) {
    __m512i a = _mm512_loadu_si512(acc + n);
    if (d.offsets != nullptr) a = _mm512_sub_epi32(a, _mm512_loadu_si512(d.offsets + n));
    const __m512 scale = _mm512_mul_ps(vrow, _mm512_loadu_ps(d.weight_scales + n));
    __m512 v = _mm512_mul_ps(_mm512_maskz_cvtepi32_ps(kAll, a), scale);
    if (d.bias != nullptr) v = _mm512_add_ps(v, _mm512_loadu_ps(d.bias + n));
    if (d.gelu) v = GeluAvx512(v);
    if (sink.range != nullptr) {
      vlo = _mm512_maskz_min_ps(kAll, vlo, v);
      vhi = _mm512_maskz_max_ps(kAll, vhi, v);
    }
    _mm512_storeu_ps(y + n, sink.accumulate ? _mm512_add_ps(_mm512_loadu_ps(y + n), v) : v);
  }
  float lo = 0.f, hi = 0.f;
  if (sink.range != nullptr) {
    alignas(64) float lanes[16];
    _mm512_store_ps(lanes, vlo);
    for (float f : lanes) lo = std::min(lo, f);
    _mm512_store_ps(lanes, vhi);
    for (float f : lanes) hi = std::max(hi, f);
  }
  // The tail through the vector GELU too, so every channel is computed alike.
  if (vec < out) {
    alignas(64) float tail[16] = {};
    const int64_t left = out - vec;
    for (int64_t i = 0; i < left; ++i) {
      const int32_t a = acc[vec + i] - (d.offsets != nullptr ? d.offsets[vec + i] : 0);
      tail[i] = static_cast<float>(a) * (row_scale * d.weight_scales[vec + i]);
      if (d.bias != nullptr) tail[i] += d.bias[vec + i];
    }
    if (d.gelu) _mm512_store_ps(tail, GeluAvx512(_mm512_load_ps(tail)));
    for (int64_t i = 0; i < left; ++i) {
      lo = std::min(lo, tail[i]);
      hi = std::max(hi, tail[i]);
      y[vec + i] = sink.accumulate ? y[vec + i] + tail[i] : tail[i];
    }
  }
  if (sink.range != nullptr) {
    sink.range[0] = lo;
    sink.range[1] = hi;
  }
}

VIT_AVX512 void GeluInPlaceAvx512(float* x, int64_t n) {
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) _mm512_storeu_ps(x + i, GeluAvx512(_mm512_loadu_ps(x + i)));
  if (i < n) {
    const __mmask16 m = static_cast<__mmask16>((1u << (n - i)) - 1);
    _mm512_mask_storeu_ps(x + i, m, GeluAvx512(_mm512_maskz_loadu_ps(m, x + i)));
  }
}

}  // namespace

void GeluErf(float* x, int64_t n) {
  if (HasAvx512Kernels()) {
    GeluInPlaceAvx512(x, n);
    return;
  }
  for (int64_t i = 0; i < n; ++i) x[i] = GeluScalar(x[i]);
}

void DequantizeRows(const int32_t* acc, int64_t rows, int64_t out, const Int8Dequantization& d,
                    Int8Output output, void* dst, int32_t zero_point, float* dst_scales,
                    const Int8NextNorm* next_norm) {
  const bool simd = HasAvx512Kernels();
  at::parallel_for(0, rows, GrainRows(out), [&](int64_t begin, int64_t end) {
    // One dequantized row, in L1 between this pass and the write.
    std::vector<float> row(static_cast<size_t>(out));
    float range[2];
    RowSink sink;
    sink.accumulate = output == Int8Output::kAccumulate;
    sink.range = output == Int8Output::kQuantizeU8 ? range : nullptr;
    for (int64_t r = begin; r < end; ++r) {
      const int32_t* a = acc + r * out;
      float* y = row.data();
      // Float outputs are written in place; the others go through the row.
      if (output == Int8Output::kFloat || output == Int8Output::kAccumulate)
        y = static_cast<float*>(dst) + r * out;
      if (simd) {
        DequantizeRowAvx512(a, out, d.row_scales[r], d, y, sink);
      } else {
        DequantizeRowPortable(a, out, d.row_scales[r], d, y, sink);
      }
      switch (output) {
        case Int8Output::kFloat:
          break;
        case Int8Output::kBf16:
          // Not parallel here: we are inside this pass's parallel region.
          ConvertToBf16(y, static_cast<uint16_t*>(dst) + r * out, out);
          break;
        case Int8Output::kAccumulate:
          if (next_norm != nullptr) {
            // The row buffer is the normalized row's scratch.
            LayerNormQuantizeRow(y, out, next_norm->gamma, next_norm->beta, next_norm->eps,
                                 row.data(), next_norm->codes + r * out, next_norm->scales + r);
          }
          break;
        case Int8Output::kQuantizeU8:
          QuantizeRowU8InRange(y, out, zero_point, range[0], range[1],
                               static_cast<uint8_t*>(dst) + r * out, dst_scales + r);
          break;
      }
    }
  });
}

}  // namespace vit::fast
