#include "model/fast/int8_attention_kernels.h"

#include <ATen/Parallel.h>
#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "model/fast/fast_kernels.h"
#include "model/fast/quantize_kernels.h"

namespace vit::fast {
namespace {

// Softmax arguments below this are taken as this: exp(-80) = 1.8e-35 still
// a normal float (no denormal slow paths), and 255 x it rounds to code 0.
constexpr float kMinExpArgument = -80.f;

// Channel n of a qkv accumulator row, dequantized as int8_epilogue.h does.
float DequantizeValue(const int32_t* row, int64_t n, float row_scale, const Int8Dequantization& d) {
  const int32_t a = row[n] - (d.offsets != nullptr ? d.offsets[n] : 0);
  float v = static_cast<float>(a) * (row_scale * d.weight_scales[n]);
  if (d.bias != nullptr) v += d.bias[n];
  return v;
}

int8_t SymmetricCode(float y, float inv) {
  return static_cast<int8_t>(ClampCode(std::nearbyint(y * inv), -127.f, 127.f));
}

// Task (image, head): q and k per token, v per channel over the image's tokens.
void QuantizeHeadPortable(const int32_t* acc, const AttentionShape& s, const Int8Dequantization& d,
                          const QkvCodes& c, int64_t image, int64_t head, std::vector<float>& v) {
  const int64_t t = s.tokens, hd = s.head_dim, dim = s.dim();
  const int64_t bh = image * s.heads + head;
  std::vector<float> y(static_cast<size_t>(hd));
  v.assign(static_cast<size_t>(t * hd), 0.f);
  for (int64_t i = 0; i < t; ++i) {
    const int64_t row = image * t + i;
    const int32_t* a = acc + row * 3 * dim;
    const float rs = d.row_scales[row];
    for (int64_t part = 0; part < 2; ++part) {
      float absmax = 0.f;
      for (int64_t x = 0; x < hd; ++x) {
        y[x] = DequantizeValue(a, part * dim + head * hd + x, rs, d);
        absmax = std::max(absmax, std::fabs(y[x]));
      }
      const float inv = absmax > 0.f ? 127.f / absmax : 0.f;
      const int64_t at = (bh * t + i) * hd;
      int32_t sum = 0;
      for (int64_t x = 0; x < hd; ++x) {
        const int8_t q = SymmetricCode(y[x], inv);
        if (part == 0) {
          c.q[at + x] = static_cast<uint8_t>(q + kSymmetricZeroPoint);
        } else {
          c.k[at + x] = q;
          sum += q;
        }
      }
      if (part == 0) {
        c.q_scales[bh * t + i] = absmax / 127.f;
      } else {
        c.k_scales[bh * t + i] = absmax / 127.f;
        c.k_offsets[bh * t + i] = kSymmetricZeroPoint * sum;
      }
    }
    for (int64_t x = 0; x < hd; ++x)
      v[i * hd + x] = DequantizeValue(a, 2 * dim + head * hd + x, rs, d);
  }
  for (int64_t x = 0; x < hd; ++x) {
    float absmax = 0.f;
    for (int64_t i = 0; i < t; ++i) absmax = std::max(absmax, std::fabs(v[i * hd + x]));
    const float inv = absmax > 0.f ? 127.f / absmax : 0.f;
    for (int64_t i = 0; i < t; ++i) c.v[(bh * t + i) * hd + x] = SymmetricCode(v[i * hd + x], inv);
    c.v_scales[image * dim + head * hd + x] = absmax / 127.f;
  }
}

void SoftmaxRowPortable(const int32_t* raw, int64_t t, float q_scale, const float* k_scales,
                        const int32_t* k_offsets, uint8_t* probs, float* prob_scale,
                        std::vector<float>& x) {
  x.resize(static_cast<size_t>(t));
  float m = -INFINITY;
  for (int64_t j = 0; j < t; ++j) {
    x[j] = static_cast<float>(raw[j] - k_offsets[j]) * k_scales[j];
    m = std::max(m, x[j]);
  }
  // q_scale >= 0, so the row's largest q_scale x is q_scale m.
  const float shift = -m * q_scale;
  int32_t sum = 0;
  for (int64_t j = 0; j < t; ++j) {
    const float e = std::exp(std::max(std::fma(x[j], q_scale, shift), kMinExpArgument));
    probs[j] = static_cast<uint8_t>(ClampCode(std::nearbyint(e * 255.f), 0.f, 255.f));
    sum += probs[j];
  }
  // The codes' own sum (at least 255: the largest is 255), so the
  // probabilities P V reads sum to exactly 1.
  *prob_scale = 1.f / static_cast<float>(sum);
}

// Token row r of the P V accumulators, dequantized into y [dim].
void DequantizeOutputRowPortable(const int32_t* acc, const AttentionShape& s,
                                 const float* prob_scales, const float* v_scales, int64_t r,
                                 float* y) {
  const int64_t t = s.tokens, hd = s.head_dim, dim = s.dim();
  const int64_t image = r / t, i = r % t;
  for (int64_t head = 0; head < s.heads; ++head) {
    const float ps = prob_scales[(image * s.heads + head) * t + i];
    for (int64_t x = 0; x < hd; ++x) {
      const int64_t ch = head * hd + x;
      y[ch] = static_cast<float>(acc[r * dim + ch]) * (ps * v_scales[image * dim + ch]);
    }
  }
}

#define VIT_AVX512 __attribute__((target("avx512f,avx512bw,avx512vl")))

constexpr __mmask16 kAll = 0xffff;

// Horizontal max and sum by shuffles (a store and a scalar loop stalled the
// softmax's rows on store forwarding).
VIT_AVX512 float ReduceMax(__m512 v) {
  v = _mm512_maskz_max_ps(kAll, v, _mm512_maskz_shuffle_f32x4(kAll, v, v, 0x4e));
  v = _mm512_maskz_max_ps(kAll, v, _mm512_maskz_shuffle_f32x4(kAll, v, v, 0xb1));
  v = _mm512_maskz_max_ps(kAll, v, _mm512_maskz_permute_ps(kAll, v, 0x4e));
  v = _mm512_maskz_max_ps(kAll, v, _mm512_maskz_permute_ps(kAll, v, 0xb1));
  return _mm512_cvtss_f32(v);
}

VIT_AVX512 int32_t ReduceSumEpi32(__m512i v) {
  v = _mm512_add_epi32(v, _mm512_maskz_shuffle_i32x4(kAll, v, v, 0x4e));
  v = _mm512_add_epi32(v, _mm512_maskz_shuffle_i32x4(kAll, v, v, 0xb1));
  v = _mm512_add_epi32(v, _mm512_maskz_shuffle_epi32(kAll, v, static_cast<_MM_PERM_ENUM>(0x4e)));
  v = _mm512_add_epi32(v, _mm512_maskz_shuffle_epi32(kAll, v, static_cast<_MM_PERM_ENUM>(0xb1)));
  return _mm512_cvtsi512_si32(v);
}

// 16 dequantized channels [n, n + 16) of an accumulator row.
VIT_AVX512 __m512 Dequantize16(const int32_t* row, int64_t n, __m512 row_scale,
                               const Int8Dequantization& d) {
  __m512i a = _mm512_loadu_si512(row + n);
  if (d.offsets != nullptr) a = _mm512_sub_epi32(a, _mm512_loadu_si512(d.offsets + n));
  const __m512 scale = _mm512_mul_ps(row_scale, _mm512_loadu_ps(d.weight_scales + n));
  __m512 v = _mm512_mul_ps(_mm512_maskz_cvtepi32_ps(kAll, a), scale);
  if (d.bias != nullptr) v = _mm512_add_ps(v, _mm512_loadu_ps(d.bias + n));
  return v;
}

// 255 x 2^y for y <= ~0: 2^n 2^f with n = round(y), f in [-1/2, 1/2] and
// 2^f by its degree-5 Taylor polynomial (relative error 2.4e-6, a
// thousandth of a code), the 255 folded into the coefficients; vscalefps
// does the 2^n. Below -80 / ln 2 the code is 0 anyway: clamped there.
VIT_AVX512 __m512 Exp2Times255Avx512(__m512 y) {
  y = _mm512_maskz_max_ps(kAll, y, _mm512_set1_ps(kMinExpArgument * 1.44269504088896341f));
  const __m512 n =
      _mm512_maskz_roundscale_ps(kAll, y, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  const __m512 f = _mm512_sub_ps(y, n);
  __m512 p = _mm512_set1_ps(255.f * 1.3333558146e-3f);
  p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(255.f * 9.6181291076e-3f));
  p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(255.f * 5.5504108665e-2f));
  p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(255.f * 2.4022650696e-1f));
  p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(255.f * 6.9314718056e-1f));
  p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(255.f));
  return _mm512_maskz_scalef_ps(kAll, p, n);
}

// QuantizeHeadPortable for head_dim a multiple of 16 (at most 256), with
// `v` a t x head_dim float buffer.
// kVecs > 0: head_dim = 16 kVecs known at compile time, so the head's
// vectors stay in registers; 0: any multiple of 16 (from s.head_dim).
template <int kVecs>
VIT_AVX512 void QuantizeHeadAvx512(const int32_t* acc, const AttentionShape& s,
                                   const Int8Dequantization& d, const QkvCodes& c, int64_t image,
                                   int64_t head, std::vector<float>& v) {
  const int64_t t = s.tokens, hd = s.head_dim, dim = s.dim();
  const int64_t vecs = kVecs > 0 ? kVecs : hd / 16;
  const int64_t bh = image * s.heads + head;
  v.resize(static_cast<size_t>(t * hd));
  __m512 vmax[16];
  for (int64_t k = 0; k < vecs; ++k) vmax[k] = _mm512_setzero_ps();
  const __m128i flip = _mm_set1_epi8(static_cast<char>(0x80));
  for (int64_t i = 0; i < t; ++i) {
    const int64_t row = image * t + i;
    const int32_t* a = acc + row * 3 * dim;
    const __m512 rs = _mm512_set1_ps(d.row_scales[row]);
    const int64_t at = (bh * t + i) * hd;
    for (int64_t part = 0; part < 2; ++part) {
      __m512 y[16];
      __m512 absmax = _mm512_setzero_ps();
      for (int64_t k = 0; k < vecs; ++k) {
        y[k] = Dequantize16(a, part * dim + head * hd + 16 * k, rs, d);
        absmax = _mm512_maskz_max_ps(kAll, absmax, _mm512_abs_ps(y[k]));
      }
      const float m = ReduceMax(absmax);
      const __m512 inv = _mm512_set1_ps(m > 0.f ? 127.f / m : 0.f);
      __m512i sum = _mm512_setzero_si512();
      for (int64_t k = 0; k < vecs; ++k) {
        // |y * inv| <= 127: the saturating narrow never clips.
        const __m512i r = _mm512_maskz_cvtps_epi32(kAll, _mm512_mul_ps(y[k], inv));
        const __m128i codes = _mm512_maskz_cvtsepi32_epi8(kAll, r);
        if (part == 0) {
          _mm_storeu_si128(reinterpret_cast<__m128i*>(c.q + at + 16 * k),
                           _mm_xor_si128(codes, flip));
        } else {
          _mm_storeu_si128(reinterpret_cast<__m128i*>(c.k + at + 16 * k), codes);
          // The stored codes' sum: r itself is INT_MIN for a NaN.
          sum = _mm512_add_epi32(sum, _mm512_maskz_cvtepi8_epi32(kAll, codes));
        }
      }
      if (part == 0) {
        c.q_scales[bh * t + i] = m / 127.f;
      } else {
        c.k_scales[bh * t + i] = m / 127.f;
        c.k_offsets[bh * t + i] = kSymmetricZeroPoint * ReduceSumEpi32(sum);
      }
    }
    for (int64_t k = 0; k < vecs; ++k) {
      const __m512 y = Dequantize16(a, 2 * dim + head * hd + 16 * k, rs, d);
      vmax[k] = _mm512_maskz_max_ps(kAll, vmax[k], _mm512_abs_ps(y));
      _mm512_storeu_ps(v.data() + i * hd + 16 * k, y);
    }
  }
  __m512 inv[16];
  for (int64_t k = 0; k < vecs; ++k) {
    const __mmask16 nonzero = _mm512_cmp_ps_mask(vmax[k], _mm512_setzero_ps(), _CMP_GT_OQ);
    inv[k] = _mm512_maskz_div_ps(nonzero, _mm512_set1_ps(127.f), vmax[k]);
    _mm512_storeu_ps(c.v_scales + image * dim + head * hd + 16 * k,
                     _mm512_div_ps(vmax[k], _mm512_set1_ps(127.f)));
  }
  for (int64_t i = 0; i < t; ++i) {
    for (int64_t k = 0; k < vecs; ++k) {
      const __m512 y = _mm512_mul_ps(_mm512_loadu_ps(v.data() + i * hd + 16 * k), inv[k]);
      const __m128i codes = _mm512_maskz_cvtsepi32_epi8(kAll, _mm512_maskz_cvtps_epi32(kAll, y));
      _mm_storeu_si128(reinterpret_cast<__m128i*>(c.v + (bh * t + i) * hd + 16 * k), codes);
    }
  }
}

// SoftmaxRowPortable's row with `x` a buffer of t rounded up to 16 floats.
VIT_AVX512 void SoftmaxRowAvx512(const int32_t* raw, int64_t t, float q_scale,
                                 const float* k_scales, const int32_t* k_offsets, uint8_t* probs,
                                 float* prob_scale, float* x) {
  const int64_t vec = t / 16 * 16;
  const __mmask16 tail = static_cast<__mmask16>((1u << (t - vec)) - 1);
  __m512 vmax = _mm512_set1_ps(-INFINITY);
  for (int64_t j = 0; j < vec; j += 16) {
    const __m512i r =
        _mm512_sub_epi32(_mm512_loadu_si512(raw + j), _mm512_loadu_si512(k_offsets + j));
    const __m512 v =
        _mm512_mul_ps(_mm512_maskz_cvtepi32_ps(kAll, r), _mm512_loadu_ps(k_scales + j));
    _mm512_store_ps(x + j, v);
    vmax = _mm512_maskz_max_ps(kAll, vmax, v);
  }
  if (tail != 0) {
    const __m512i r = _mm512_sub_epi32(_mm512_maskz_loadu_epi32(tail, raw + vec),
                                       _mm512_maskz_loadu_epi32(tail, k_offsets + vec));
    const __m512 v = _mm512_mul_ps(_mm512_maskz_cvtepi32_ps(kAll, r),
                                   _mm512_maskz_loadu_ps(tail, k_scales + vec));
    _mm512_store_ps(x + vec, v);
    vmax = _mm512_mask_max_ps(vmax, tail, vmax, v);
  }
  // exp(q_scale (x - max)) = 2^(x q_scale log2 e - max q_scale log2 e).
  const float scale2 = q_scale * 1.44269504088896341f;
  const __m512 scale = _mm512_set1_ps(scale2);
  const __m512 shift = _mm512_set1_ps(-ReduceMax(vmax) * scale2);
  __m512i sum = _mm512_setzero_si512();
  // 255 e <= 255 (up to rounding): the codes round into [0, 255], saturated
  // anyway. They are narrowed in registers: the memory forms of vpmovusdb
  // are slow on Zen.
  for (int64_t j = 0; j < vec; j += 16) {
    const __m512 e255 = Exp2Times255Avx512(_mm512_fmadd_ps(_mm512_load_ps(x + j), scale, shift));
    const __m512i codes = _mm512_maskz_cvtps_epi32(kAll, e255);
    sum = _mm512_add_epi32(sum, codes);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(probs + j),
                     _mm512_maskz_cvtusepi32_epi8(kAll, codes));
  }
  if (tail != 0) {
    const __m512 e255 = Exp2Times255Avx512(_mm512_fmadd_ps(_mm512_load_ps(x + vec), scale, shift));
    const __m512i codes = _mm512_maskz_cvtps_epi32(tail, e255);
    sum = _mm512_add_epi32(sum, codes);
    _mm_mask_storeu_epi8(probs + vec, tail, _mm512_maskz_cvtusepi32_epi8(kAll, codes));
  }
  // The codes' own sum, as SoftmaxRowPortable's.
  *prob_scale = 1.f / static_cast<float>(ReduceSumEpi32(sum));
}

// DequantizeOutputRowPortable, also tracking [min(0, y), max(0, y)] into
// `range` for the quantization that follows (one pass fewer).
VIT_AVX512 void DequantizeOutputRowAvx512(const int32_t* acc, const AttentionShape& s,
                                          const float* prob_scales, const float* v_scales,
                                          int64_t r, float* y, float* range) {
  const int64_t t = s.tokens, hd = s.head_dim, dim = s.dim();
  const int64_t image = r / t, i = r % t;
  __m512 vlo = _mm512_setzero_ps(), vhi = _mm512_setzero_ps();
  for (int64_t head = 0; head < s.heads; ++head) {
    const __m512 ps = _mm512_set1_ps(prob_scales[(image * s.heads + head) * t + i]);
    for (int64_t x = 0; x < hd; x += 16) {
      const int64_t ch = head * hd + x;
      const __m512 a = _mm512_maskz_cvtepi32_ps(kAll, _mm512_loadu_si512(acc + r * dim + ch));
      const __m512 v =
          _mm512_mul_ps(a, _mm512_mul_ps(ps, _mm512_loadu_ps(v_scales + image * dim + ch)));
      vlo = _mm512_maskz_min_ps(kAll, vlo, v);
      vhi = _mm512_maskz_max_ps(kAll, vhi, v);
      _mm512_storeu_ps(y + ch, v);
    }
  }
  // The lowest value is the negated largest of -y.
  range[0] = -ReduceMax(_mm512_sub_ps(_mm512_setzero_ps(), vlo));
  range[1] = ReduceMax(vhi);
}

// The vector kernels take whole vectors of a head (ViT heads: 64).
bool VectorHeads(const AttentionShape& s) {
  return HasAvx512Kernels() && s.head_dim % 16 == 0 && s.head_dim <= 256;
}

void QuantizeQkvImpl(const int32_t* acc, const AttentionShape& s, const Int8Dequantization& d,
                     const QkvCodes& c, bool simd) {
  at::parallel_for(0, s.images * s.heads, 1, [&](int64_t begin, int64_t end) {
    std::vector<float> v;  // one head's v, dequantized, between its two passes
    for (int64_t task = begin; task < end; ++task) {
      const int64_t image = task / s.heads, head = task % s.heads;
      if (simd) {
        switch (s.head_dim) {
          case 32:
            QuantizeHeadAvx512<2>(acc, s, d, c, image, head, v);
            break;
          case 64:
            QuantizeHeadAvx512<4>(acc, s, d, c, image, head, v);
            break;
          default:
            QuantizeHeadAvx512<0>(acc, s, d, c, image, head, v);
        }
      } else {
        QuantizeHeadPortable(acc, s, d, c, image, head, v);
      }
    }
  });
}

void SoftmaxImpl(const int32_t* scores, const AttentionShape& s, const QkvCodes& c, uint8_t* probs,
                 float* prob_scales, bool simd) {
  const int64_t t = s.tokens;
  at::parallel_for(0, s.images * s.heads * t, 64, [&](int64_t begin, int64_t end) {
    std::vector<float> x(static_cast<size_t>((t + 15) / 16 * 16 + 16));
    // 64-byte aligned for the vector stores.
    float* row =
        x.data() + ((64 - reinterpret_cast<uintptr_t>(x.data()) % 64) % 64) / sizeof(float);
    if (!simd) row = x.data();
    for (int64_t r = begin; r < end; ++r) {
      const int64_t bh = r / t;
      if (simd) {
        SoftmaxRowAvx512(scores + r * t, t, c.q_scales[r], c.k_scales + bh * t,
                         c.k_offsets + bh * t, probs + r * t, prob_scales + r, row);
      } else {
        SoftmaxRowPortable(scores + r * t, t, c.q_scales[r], c.k_scales + bh * t,
                           c.k_offsets + bh * t, probs + r * t, prob_scales + r, x);
      }
    }
  });
}

void AttentionOutputImpl(const int32_t* acc, const AttentionShape& s, const float* prob_scales,
                         const float* v_scales, uint8_t* out, float* out_scales, bool simd) {
  const int64_t dim = s.dim();
  at::parallel_for(0, s.images * s.tokens, 16, [&](int64_t begin, int64_t end) {
    std::vector<float> y(static_cast<size_t>(dim));  // one row, in L1 between the passes
    for (int64_t r = begin; r < end; ++r) {
      if (simd) {
        float range[2];
        DequantizeOutputRowAvx512(acc, s, prob_scales, v_scales, r, y.data(), range);
        QuantizeRowU8InRange(y.data(), dim, kSymmetricZeroPoint, range[0], range[1], out + r * dim,
                             out_scales + r);
      } else {
        DequantizeOutputRowPortable(acc, s, prob_scales, v_scales, r, y.data());
        QuantizeRowU8(y.data(), dim, kSymmetricZeroPoint, out + r * dim, out_scales + r);
      }
    }
  });
}

}  // namespace

void QuantizeQkv(const int32_t* acc, const AttentionShape& shape, const Int8Dequantization& d,
                 const QkvCodes& codes) {
  QuantizeQkvImpl(acc, shape, d, codes, VectorHeads(shape));
}

void SoftmaxToU8(const int32_t* scores, const AttentionShape& shape, const QkvCodes& codes,
                 uint8_t* probs, float* prob_scales) {
  SoftmaxImpl(scores, shape, codes, probs, prob_scales, HasAvx512Kernels());
}

void AttentionOutputToU8(const int32_t* acc, const AttentionShape& shape, const float* prob_scales,
                         const float* v_scales, uint8_t* out, float* out_scales) {
  AttentionOutputImpl(acc, shape, prob_scales, v_scales, out, out_scales, VectorHeads(shape));
}

void QuantizeQkvPortable(const int32_t* acc, const AttentionShape& shape,
                         const Int8Dequantization& d, const QkvCodes& codes) {
  QuantizeQkvImpl(acc, shape, d, codes, false);
}

void SoftmaxToU8Portable(const int32_t* scores, const AttentionShape& shape, const QkvCodes& codes,
                         uint8_t* probs, float* prob_scales) {
  SoftmaxImpl(scores, shape, codes, probs, prob_scales, false);
}

void AttentionOutputToU8Portable(const int32_t* acc, const AttentionShape& shape,
                                 const float* prob_scales, const float* v_scales, uint8_t* out,
                                 float* out_scales) {
  AttentionOutputImpl(acc, shape, prob_scales, v_scales, out, out_scales, false);
}

}  // namespace vit::fast
