// Internals of pil_resample.cc shared with its AVX2 kernels (pil_resample_avx2.cc).
#pragma once

#include <cstdint>
#include <vector>

#include <opencv2/core.hpp>

namespace vit::preprocessing::internal {

// Pillow: 8 bits for the result, 2 for overshoot of negative lobes, sign.
constexpr int kPrecisionBits = 32 - 8 - 2;

// Fixed-point weights of one 1-D pass, as Pillow's precompute_coeffs followed by
// normalize_coeffs_8bpc: output i reads count[i] inputs from first[i] with weights
// weights[i * ksize + 0 .. count[i]); the rest of each ksize row is zero.
struct Coefficients {
  int ksize = 0;
  std::vector<int> first;
  std::vector<int> count;
  std::vector<int32_t> weights;
};

inline uint8_t Clip8(int32_t v) {
  v >>= kPrecisionBits;
  return static_cast<uint8_t>(v < 0 ? 0 : (v > 255 ? 255 : v));
}

// True when the CPU runs the AVX2 kernels below and VIT_DISABLE_AVX2 is unset.
bool CpuHasAvx2();

// AVX2 kernels, bit-identical to the scalar passes: the 22-bit weights are split
// as w = hi * 2^15 + lo (lo in [0, 2^15)) so that 16-bit multiply-adds
// (vpmaddwd) compute the exact 32-bit sums. They process rows [begin, end) of dst.
// Horizontal, 3 interleaved channels: dst row r = src row (row0 + r), columns
// [col0, col0 + dst.cols) of the output.
void HorizontalPass3Avx2(const cv::Mat& src, int row0, int col0, const Coefficients& c,
                         cv::Mat& dst, int begin, int end);
// Vertical, any channel count: dst row r = output row (row0 + r); src row 0 is
// input row src_row_offset.
void VerticalPassAvx2(const cv::Mat& src, int src_row_offset, int row0, const Coefficients& c,
                      cv::Mat& dst, int begin, int end);

}  // namespace vit::preprocessing::internal
