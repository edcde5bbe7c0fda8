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

void DequantizeRowPortable(const int32_t* acc, int64_t out, float row_scale,
                           const Int8Dequantization& d, float* y) {
  for (int64_t n = 0; n < out; ++n) {
    const int32_t a = acc[n] - (d.offsets != nullptr ? d.offsets[n] : 0);
    float v = static_cast<float>(a) * (row_scale * d.weight_scales[n]);  // as the vector code
    if (d.bias != nullptr) v += d.bias[n];
    y[n] = d.gelu ? GeluScalar(v) : v;
  }
}

#define VIT_AVX512 __attribute__((target("avx512f,avx512bw,avx512vl")))

// The maskz_ forms with every lane set: the plain intrinsics pass an
// "undefined" register that gcc 12 reports as maybe-uninitialized.
constexpr __mmask16 kAll = 0xffff;

// exp(x) for x <= 0 (GELU's exp(-z^2)): 2^n exp(r) with n = round(x log2 e),
// |r| <= ln 2 / 2, Cephes' degree-6 polynomial for exp(r); below -87 it is 0
// for float32's purposes (scalef then underflows cleanly).
VIT_AVX512 __m512 ExpNonPositive(__m512 x) {
  x = _mm512_maskz_max_ps(kAll, x, _mm512_set1_ps(-87.f));
  const __m512 n =
      _mm512_maskz_roundscale_ps(kAll, _mm512_mul_ps(x, _mm512_set1_ps(1.44269504088896341f)),
                                 _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693359375f), x);
  r = _mm512_fnmadd_ps(n, _mm512_set1_ps(-2.12194440e-4f), r);
  __m512 p = _mm512_set1_ps(1.9875691500e-4f);
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.3981999507e-3f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(8.3334519073e-3f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(4.1665795894e-2f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.6666665459e-1f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(5.0000001201e-1f));
  p = _mm512_fmadd_ps(p, _mm512_mul_ps(r, r), _mm512_add_ps(r, _mm512_set1_ps(1.f)));
  return _mm512_maskz_scalef_ps(kAll, p, n);
}

// gelu_erf(x) with erf from Abramowitz & Stegun 7.1.26 (|error| <= 1.5e-7):
// erf(a) = 1 - t (a1 + t (a2 + t (a3 + t (a4 + t a5)))) exp(-a^2), t = 1 / (1 + p a).
VIT_AVX512 __m512 GeluAvx512(__m512 x) {
  const __m512 z = _mm512_mul_ps(x, _mm512_set1_ps(0.70710678118654752f));
  const __m512 a = _mm512_abs_ps(z);
  const __m512 one = _mm512_set1_ps(1.f);
  const __m512 t = _mm512_div_ps(one, _mm512_fmadd_ps(a, _mm512_set1_ps(0.3275911f), one));
  __m512 poly = _mm512_set1_ps(1.061405429f);
  poly = _mm512_fmadd_ps(poly, t, _mm512_set1_ps(-1.453152027f));
  poly = _mm512_fmadd_ps(poly, t, _mm512_set1_ps(1.421413741f));
  poly = _mm512_fmadd_ps(poly, t, _mm512_set1_ps(-0.284496736f));
  poly = _mm512_fmadd_ps(poly, t, _mm512_set1_ps(0.254829592f));
  poly = _mm512_mul_ps(poly, t);
  const __m512 e = ExpNonPositive(_mm512_sub_ps(_mm512_setzero_ps(), _mm512_mul_ps(a, a)));
  const __m512 erf_abs = _mm512_fnmadd_ps(poly, e, one);
  // erf is odd: the sign of z on |erf|.
  const __m512i sign = _mm512_and_si512(_mm512_castps_si512(z), _mm512_set1_epi32(INT32_MIN));
  const __m512 erf = _mm512_castsi512_ps(_mm512_or_si512(_mm512_castps_si512(erf_abs), sign));
  return _mm512_mul_ps(_mm512_mul_ps(_mm512_set1_ps(0.5f), x), _mm512_add_ps(one, erf));
}

VIT_AVX512 void DequantizeRowAvx512(const int32_t* acc, int64_t out, float row_scale,
                                    const Int8Dequantization& d, float* y) {
  const int64_t vec = out / 16 * 16;
  const __m512 vrow = _mm512_set1_ps(row_scale);
  for (int64_t n = 0; n < vec; n += 16) {
    __m512i a = _mm512_loadu_si512(acc + n);
    if (d.offsets != nullptr) a = _mm512_sub_epi32(a, _mm512_loadu_si512(d.offsets + n));
    const __m512 scale = _mm512_mul_ps(vrow, _mm512_loadu_ps(d.weight_scales + n));
    __m512 v = _mm512_mul_ps(_mm512_maskz_cvtepi32_ps(kAll, a), scale);
    if (d.bias != nullptr) v = _mm512_add_ps(v, _mm512_loadu_ps(d.bias + n));
    if (d.gelu) v = GeluAvx512(v);
    _mm512_storeu_ps(y + n, v);
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
    std::memcpy(y + vec, tail, sizeof(float) * static_cast<size_t>(left));
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

VIT_AVX512 void AccumulateRowAvx512(const float* y, int64_t n, float* dst) {
  int64_t i = 0;
  for (; i + 16 <= n; i += 16)
    _mm512_storeu_ps(dst + i, _mm512_add_ps(_mm512_loadu_ps(dst + i), _mm512_loadu_ps(y + i)));
  for (; i < n; ++i) dst[i] += y[i];
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
                    Int8Output output, void* dst, int32_t zero_point, float* dst_scales) {
  const bool simd = HasAvx512Kernels();
  at::parallel_for(0, rows, GrainRows(out), [&](int64_t begin, int64_t end) {
    // One dequantized row, in L1 between this pass and the write.
    std::vector<float> row(static_cast<size_t>(out));
    float* y = row.data();
    for (int64_t r = begin; r < end; ++r) {
      const int32_t* a = acc + r * out;
      if (output == Int8Output::kFloat) y = static_cast<float*>(dst) + r * out;
      if (simd) {
        DequantizeRowAvx512(a, out, d.row_scales[r], d, y);
      } else {
        DequantizeRowPortable(a, out, d.row_scales[r], d, y);
      }
      switch (output) {
        case Int8Output::kFloat:
          break;
        case Int8Output::kBf16:
          // Not parallel here: we are inside this pass's parallel region.
          ConvertToBf16(y, static_cast<uint16_t*>(dst) + r * out, out);
          break;
        case Int8Output::kAccumulate: {
          float* to = static_cast<float*>(dst) + r * out;
          if (simd) {
            AccumulateRowAvx512(y, out, to);
          } else {
            for (int64_t n = 0; n < out; ++n) to[n] += y[n];
          }
          break;
        }
        case Int8Output::kQuantizeU8:
          QuantizeRowU8(y, out, zero_point, static_cast<uint8_t*>(dst) + r * out, dst_scales + r);
          break;
      }
    }
  });
}

}  // namespace vit::fast
