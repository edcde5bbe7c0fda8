#include "preprocessing/pil_resample.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "preprocessing/pil_resample_internal.h"

namespace vit::preprocessing {
namespace {

using internal::Clip8;
using internal::Coefficients;
using internal::kPrecisionBits;

// Below this many multiply-adds a pass runs on the calling thread.
constexpr double kParallelMinWork = 4e6;

double BilinearFilter(double x) {
  x = std::fabs(x);
  return x < 1.0 ? 1.0 - x : 0.0;
}

double BicubicFilter(double x) {
  constexpr double a = -0.5;  // PIL's (and Keys') bicubic parameter
  x = std::fabs(x);
  if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
  if (x < 2.0) return (((x - 5) * x + 8) * x - 4) * a;
  return 0.0;
}

Coefficients PrecomputeCoefficients(int in_size, int out_size, Interpolation interpolation) {
  const bool bicubic = interpolation == Interpolation::kBicubic;
  const double filter_support = bicubic ? 2.0 : 1.0;
  const double scale = static_cast<double>(static_cast<float>(in_size)) / out_size;
  const double filter_scale = std::max(scale, 1.0);
  const double support = filter_support * filter_scale;
  Coefficients c;
  c.ksize = static_cast<int>(std::ceil(support)) * 2 + 1;
  c.first.resize(out_size);
  c.count.resize(out_size);
  c.weights.assign(static_cast<size_t>(out_size) * c.ksize, 0);
  std::vector<double> w(c.ksize);
  for (int i = 0; i < out_size; ++i) {
    const double center = (i + 0.5) * scale;
    const double inv = 1.0 / filter_scale;
    const int lo = std::max(static_cast<int>(center - support + 0.5), 0);
    const int hi = std::min(static_cast<int>(center + support + 0.5), in_size);
    const int n = std::max(hi - lo, 0);
    double total = 0.0;
    for (int x = 0; x < n; ++x) {
      const double t = (x + lo - center + 0.5) * inv;
      w[x] = bicubic ? BicubicFilter(t) : BilinearFilter(t);
      total += w[x];
    }
    for (int x = 0; x < n; ++x) {
      const double v = (total != 0.0 ? w[x] / total : w[x]) * (1 << kPrecisionBits);
      c.weights[static_cast<size_t>(i) * c.ksize + x] =
          static_cast<int32_t>(v < 0 ? v - 0.5 : v + 0.5);
    }
    c.first[i] = lo;
    c.count[i] = n;
  }
  return c;
}

// Runs body(range) over [0, n) rows, in parallel when `work` is large.
template <typename Body>
void ForRows(int n, double work, const Body& body) {
  if (work < kParallelMinWork || n < 2) {
    body(cv::Range(0, n));
    return;
  }
  cv::parallel_for_(cv::Range(0, n), body, /*nstripes=*/std::min(n, 64));
}

// Horizontal pass: dst row r = src row (row0 + r), columns [col0, col0 + dst.cols).
// Loop bounds and weights live in locals: stores through uint8_t* may alias
// anything, so members would be reloaded after every store.
template <int kChannels>
void HorizontalPass(const cv::Mat& src, int row0, int col0, const Coefficients& c, cv::Mat& dst) {
  const double work = double(dst.rows) * dst.cols * c.ksize * kChannels;
  const int cols = dst.cols;
  const int ksize = c.ksize;
  const int* first = c.first.data() + col0;
  const int* count = c.count.data() + col0;
  const int32_t* weights = c.weights.data() + static_cast<size_t>(col0) * ksize;
  const bool avx2 = kChannels == 3 && internal::CpuHasAvx2();
  ForRows(dst.rows, work, [&](const cv::Range& rows) {
    if (avx2) return internal::HorizontalPass3Avx2(src, row0, col0, c, dst, rows.start, rows.end);
    for (int r = rows.start; r < rows.end; ++r) {
      const uint8_t* in = src.ptr<uint8_t>(row0 + r);
      uint8_t* out = dst.ptr<uint8_t>(r);
      for (int xo = 0; xo < cols; ++xo) {
        const int32_t* k = weights + static_cast<size_t>(xo) * ksize;
        const uint8_t* p = in + static_cast<size_t>(first[xo]) * kChannels;
        const int n = count[xo];
        int32_t ss[kChannels];
        for (int ch = 0; ch < kChannels; ++ch) ss[ch] = 1 << (kPrecisionBits - 1);
        for (int x = 0; x < n; ++x) {
          const int32_t w = k[x];
          for (int ch = 0; ch < kChannels; ++ch) ss[ch] += p[x * kChannels + ch] * w;
        }
        for (int ch = 0; ch < kChannels; ++ch) out[xo * kChannels + ch] = Clip8(ss[ch]);
      }
    }
  });
}

// Vertical pass: dst row r = output row (row0 + r); source rows are offset by
// `src_row_offset` (the first row the horizontal pass produced).
void VerticalPass(const cv::Mat& src, int src_row_offset, int row0, const Coefficients& c,
                  cv::Mat& dst) {
  const int values = dst.cols * dst.channels();
  const double work = double(dst.rows) * values * c.ksize;
  const bool avx2 = internal::CpuHasAvx2();
  ForRows(dst.rows, work, [&](const cv::Range& rows) {
    if (avx2)
      return internal::VerticalPassAvx2(src, src_row_offset, row0, c, dst, rows.start, rows.end);
    std::vector<int32_t> acc_buffer(values);
    int32_t* acc = acc_buffer.data();
    for (int r = rows.start; r < rows.end; ++r) {
      const int i = row0 + r;
      const int32_t* k = &c.weights[static_cast<size_t>(i) * c.ksize];
      const int n = c.count[i];
      const int y0 = c.first[i] - src_row_offset;
      for (int v = 0; v < values; ++v) acc[v] = 1 << (kPrecisionBits - 1);
      for (int y = 0; y < n; ++y) {
        const uint8_t* in = src.ptr<uint8_t>(y0 + y);
        const int32_t w = k[y];
        for (int v = 0; v < values; ++v) acc[v] += in[v] * w;
      }
      uint8_t* out = dst.ptr<uint8_t>(r);
      for (int v = 0; v < values; ++v) out[v] = Clip8(acc[v]);
    }
  });
}

void HorizontalPassAnyChannels(const cv::Mat& src, int row0, int col0, const Coefficients& c,
                               cv::Mat& dst) {
  switch (src.channels()) {
    case 1:
      return HorizontalPass<1>(src, row0, col0, c, dst);
    case 2:
      return HorizontalPass<2>(src, row0, col0, c, dst);
    case 3:
      return HorizontalPass<3>(src, row0, col0, c, dst);
    default:
      return HorizontalPass<4>(src, row0, col0, c, dst);
  }
}

cv::Mat NearestResample(const cv::Mat& src, cv::Size size, cv::Rect window) {
  const double sx = double(src.cols) / size.width;
  const double sy = double(src.rows) / size.height;
  const size_t pixel = src.elemSize();
  cv::Mat dst(window.size(), src.type());
  for (int r = 0; r < dst.rows; ++r) {
    const int y = std::min(static_cast<int>((window.y + r + 0.5) * sy), src.rows - 1);
    const uint8_t* in = src.ptr<uint8_t>(y);
    uint8_t* out = dst.ptr<uint8_t>(r);
    for (int xo = 0; xo < dst.cols; ++xo) {
      const int x = std::min(static_cast<int>((window.x + xo + 0.5) * sx), src.cols - 1);
      std::copy_n(in + x * pixel, pixel, out + xo * pixel);
    }
  }
  return dst;
}

}  // namespace

cv::Mat PilResample(const cv::Mat& src, cv::Size size, cv::Rect window,
                    Interpolation interpolation) {
  CV_Assert(src.depth() == CV_8U && src.channels() <= 4 && !src.empty());
  CV_Assert((window & cv::Rect(0, 0, size.width, size.height)) == window && !window.empty());
  if (interpolation == Interpolation::kNearest) return NearestResample(src, size, window);
  // Pillow skips a pass whose size does not change (no box given).
  const bool need_horizontal = size.width != src.cols;
  const bool need_vertical = size.height != src.rows;
  if (!need_horizontal && !need_vertical) return src(window).clone();

  const Coefficients vertical = PrecomputeCoefficients(src.rows, size.height, interpolation);
  // Source rows the kept output rows read (or the kept rows themselves if no vertical pass).
  int row_first = window.y;
  int row_last = window.y + window.height;
  if (need_vertical) {
    const int last = window.y + window.height - 1;
    row_first = vertical.first[window.y];
    row_last = vertical.first[last] + vertical.count[last];
  }
  cv::Mat rows_resized;
  if (need_horizontal) {
    const Coefficients horizontal = PrecomputeCoefficients(src.cols, size.width, interpolation);
    rows_resized.create(row_last - row_first, window.width, src.type());
    HorizontalPassAnyChannels(src, row_first, window.x, horizontal, rows_resized);
  } else {
    rows_resized =
        src(cv::Range(row_first, row_last), cv::Range(window.x, window.x + window.width));
  }
  if (!need_vertical) return rows_resized;
  cv::Mat dst(window.size(), src.type());
  VerticalPass(rows_resized, row_first, window.y, vertical, dst);
  return dst;
}

}  // namespace vit::preprocessing
