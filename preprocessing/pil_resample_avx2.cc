// AVX2 kernels of the PIL-exact resampler (see pil_resample_internal.h). Only the
// functions marked target("avx2") use AVX2; callers check CpuHasAvx2() first.
#include <immintrin.h>

#include <cstdlib>
#include <cstring>

#include "preprocessing/pil_resample_internal.h"

namespace vit::preprocessing::internal {
namespace {

// Weights split for vpmaddwd: w = hi * 2^15 + lo, lo in [0, 2^15), |hi| < 2^8
// (|w| < 2^23). Each output has `taps` entries (ksize rounded up, zero padded).
struct SplitWeights {
  int taps = 0;
  std::vector<int16_t> lo;
  std::vector<int16_t> hi;
};

SplitWeights Split(const Coefficients& c, int first_output, int outputs, int multiple) {
  SplitWeights s;
  s.taps = (c.ksize + multiple - 1) / multiple * multiple;
  s.lo.assign(static_cast<size_t>(outputs) * s.taps, 0);
  s.hi.assign(static_cast<size_t>(outputs) * s.taps, 0);
  for (int o = 0; o < outputs; ++o) {
    const int32_t* w = &c.weights[static_cast<size_t>(first_output + o) * c.ksize];
    for (int x = 0; x < c.ksize; ++x) {
      s.lo[static_cast<size_t>(o) * s.taps + x] = static_cast<int16_t>(w[x] & 0x7FFF);
      s.hi[static_cast<size_t>(o) * s.taps + x] = static_cast<int16_t>(w[x] >> 15);
    }
  }
  return s;
}

// The horizontal kernel's weights, pre-arranged once per pass as the 256-bit
// operands of vpmaddwd: for output o and taps 4g..4g+3, 8 int32 (lo) then 8
// (hi), each int32 a (w[x], w[x+1]) 16-bit pair; lane 0 holds taps (4g, 4g+1)
// four times, lane 1 taps (4g+2, 4g+3).
std::vector<int32_t> ExpandForHorizontal(const SplitWeights& s, int outputs) {
  const int groups = s.taps / 4;
  std::vector<int32_t> expanded(static_cast<size_t>(outputs) * groups * 16);
  auto pair = [](const int16_t* w) {
    return static_cast<int32_t>(static_cast<uint16_t>(w[0]) |
                                (static_cast<uint32_t>(static_cast<uint16_t>(w[1])) << 16));
  };
  int32_t* out = expanded.data();
  for (int o = 0; o < outputs; ++o) {
    for (int g = 0; g < groups; ++g) {
      const size_t at = static_cast<size_t>(o) * s.taps + g * 4;
      for (const std::vector<int16_t>* w : {&s.lo, &s.hi}) {
        for (int j = 0; j < 8; ++j) *out++ = pair(w->data() + at + (j < 4 ? 0 : 2));
      }
    }
  }
  return expanded;
}

// (hi << 15) + lo + rounding, >> 22: the 32-bit sums Pillow computes, then shifted.
__attribute__((target("avx2"))) inline __m128i Combine(__m128i lo, __m128i hi) {
  const __m128i sum = _mm_add_epi32(_mm_slli_epi32(hi, 15), lo);
  return _mm_srai_epi32(_mm_add_epi32(sum, _mm_set1_epi32(1 << (kPrecisionBits - 1))),
                        kPrecisionBits);
}

}  // namespace

bool CpuHasAvx2() {
  // VIT_DISABLE_AVX2=1 forces the portable kernels (tests run both).
  static const bool has =
      __builtin_cpu_supports("avx2") && std::getenv("VIT_DISABLE_AVX2") == nullptr;
  return has;
}

__attribute__((target("avx2"))) void HorizontalPass3Avx2(const cv::Mat& src, int row0, int col0,
                                                         const Coefficients& c, cv::Mat& dst,
                                                         int begin, int end) {
  const SplitWeights s = Split(c, col0, dst.cols, /*multiple=*/4);
  const std::vector<int32_t> weights = ExpandForHorizontal(s, dst.cols);
  const int groups = s.taps / 4;
  // Four taps per step: lane 0 pairs pixels (x, x+1), lane 1 pairs (x+2, x+3),
  // as 16-bit (B, B'), (G, G'), (R, R'), (0, 0).
  const __m256i shuffle =
      _mm256_setr_epi8(0, -1, 3, -1, 1, -1, 4, -1, 2, -1, 5, -1, -1, -1, -1, -1,  //
                       6, -1, 9, -1, 7, -1, 10, -1, 8, -1, 11, -1, -1, -1, -1, -1);
  const int row_bytes = src.cols * 3;
  for (int r = begin; r < end; ++r) {
    const uint8_t* in = src.ptr<uint8_t>(row0 + r);
    uint8_t* out = dst.ptr<uint8_t>(r);
    for (int xo = 0; xo < dst.cols; ++xo) {
      const int i = col0 + xo;
      const uint8_t* p = in + static_cast<size_t>(c.first[i]) * 3;
      if ((c.first[i] + s.taps) * 3 + 4 > row_bytes) {  // 16-byte loads would leave the row
        const int32_t* k = &c.weights[static_cast<size_t>(i) * c.ksize];
        int32_t ss[3] = {1 << (kPrecisionBits - 1), 1 << (kPrecisionBits - 1),
                         1 << (kPrecisionBits - 1)};
        for (int x = 0; x < c.count[i]; ++x) {
          for (int ch = 0; ch < 3; ++ch) ss[ch] += p[x * 3 + ch] * k[x];
        }
        for (int ch = 0; ch < 3; ++ch) out[xo * 3 + ch] = Clip8(ss[ch]);
        continue;
      }
      const __m256i* w =
          reinterpret_cast<const __m256i*>(weights.data()) + static_cast<size_t>(xo) * groups * 2;
      __m256i acc_lo = _mm256_setzero_si256();
      __m256i acc_hi = _mm256_setzero_si256();
      for (int g = 0; g < groups; ++g, w += 2) {
        const __m256i px = _mm256_shuffle_epi8(_mm256_broadcastsi128_si256(_mm_loadu_si128(
                                                   reinterpret_cast<const __m128i*>(p + 12 * g))),
                                               shuffle);
        acc_lo = _mm256_add_epi32(acc_lo, _mm256_madd_epi16(px, _mm256_loadu_si256(w)));
        acc_hi = _mm256_add_epi32(acc_hi, _mm256_madd_epi16(px, _mm256_loadu_si256(w + 1)));
      }
      const __m128i sum_lo =
          _mm_add_epi32(_mm256_castsi256_si128(acc_lo), _mm256_extracti128_si256(acc_lo, 1));
      const __m128i sum_hi =
          _mm_add_epi32(_mm256_castsi256_si128(acc_hi), _mm256_extracti128_si256(acc_hi, 1));
      __m128i v = Combine(sum_lo, sum_hi);
      v = _mm_packus_epi16(_mm_packs_epi32(v, v), v);
      const uint32_t bgr = static_cast<uint32_t>(_mm_cvtsi128_si32(v));
      std::memcpy(out + xo * 3, &bgr, 3);
    }
  }
}

__attribute__((target("avx2"))) void VerticalPassAvx2(const cv::Mat& src, int src_row_offset,
                                                      int row0, const Coefficients& c, cv::Mat& dst,
                                                      int begin, int end) {
  const SplitWeights s = Split(c, row0 + begin, end - begin, /*multiple=*/2);
  const int values = dst.cols * dst.channels();
  const size_t step = src.step[0];
  for (int r = begin; r < end; ++r) {
    const int i = row0 + r;
    const int n = c.count[i];
    const uint8_t* base = src.ptr<uint8_t>(c.first[i] - src_row_offset);
    const int16_t* lo = &s.lo[static_cast<size_t>(r - begin) * s.taps];
    const int16_t* hi = &s.hi[static_cast<size_t>(r - begin) * s.taps];
    uint8_t* out = dst.ptr<uint8_t>(r);
    int v = 0;
    for (; v + 16 <= values; v += 16) {
      __m256i l0 = _mm256_setzero_si256(), l1 = l0, h0 = l0, h1 = l0;
      for (int y = 0; y < n; y += 2) {  // rows in pairs; an odd last row pairs with weight 0
        const uint8_t* a = base + y * step + v;
        const uint8_t* b = y + 1 < n ? a + step : a;
        const __m128i va = _mm_loadu_si128(reinterpret_cast<const __m128i*>(a));
        const __m128i vb = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b));
        const __m256i first8 = _mm256_cvtepu8_epi16(_mm_unpacklo_epi8(va, vb));
        const __m256i last8 = _mm256_cvtepu8_epi16(_mm_unpackhi_epi8(va, vb));
        const __m256i wl = _mm256_set1_epi32(
            static_cast<int32_t>(static_cast<uint16_t>(lo[y]) |
                                 (static_cast<uint32_t>(static_cast<uint16_t>(lo[y + 1])) << 16)));
        const __m256i wh = _mm256_set1_epi32(
            static_cast<int32_t>(static_cast<uint16_t>(hi[y]) |
                                 (static_cast<uint32_t>(static_cast<uint16_t>(hi[y + 1])) << 16)));
        l0 = _mm256_add_epi32(l0, _mm256_madd_epi16(first8, wl));
        l1 = _mm256_add_epi32(l1, _mm256_madd_epi16(last8, wl));
        h0 = _mm256_add_epi32(h0, _mm256_madd_epi16(first8, wh));
        h1 = _mm256_add_epi32(h1, _mm256_madd_epi16(last8, wh));
      }
      const __m128i s0 = Combine(_mm256_castsi256_si128(l0), _mm256_castsi256_si128(h0));
      const __m128i s1 = Combine(_mm256_extracti128_si256(l0, 1), _mm256_extracti128_si256(h0, 1));
      const __m128i s2 = Combine(_mm256_castsi256_si128(l1), _mm256_castsi256_si128(h1));
      const __m128i s3 = Combine(_mm256_extracti128_si256(l1, 1), _mm256_extracti128_si256(h1, 1));
      const __m128i packed = _mm_packus_epi16(_mm_packs_epi32(s0, s1), _mm_packs_epi32(s2, s3));
      _mm_storeu_si128(reinterpret_cast<__m128i*>(out + v), packed);
    }
    const int32_t* k = &c.weights[static_cast<size_t>(i) * c.ksize];
    for (; v < values; ++v) {
      int32_t ss = 1 << (kPrecisionBits - 1);
      for (int y = 0; y < n; ++y) ss += base[y * step + v] * k[y];
      out[v] = Clip8(ss);
    }
  }
}

}  // namespace vit::preprocessing::internal
