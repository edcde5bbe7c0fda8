// The optimized resampler (windowed, AVX2, parallel) against a direct transcription
// of Pillow's Resample.c written here, on random images of many shapes. The
// parity test checks the algorithm itself against PIL's own output.
#include "preprocessing/pil_resample.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include <gtest/gtest.h>
#include <opencv2/core.hpp>

#include "preprocessing/resize_plan.h"
#include "tests/preprocessing/test_images.h"

namespace vit::preprocessing {
namespace {

// Pillow's precompute_coeffs + normalize_coeffs_8bpc for box (0, in_size).
void ReferenceCoefficients(int in_size, int out_size, bool bicubic, std::vector<int>* bounds,
                           std::vector<int>* kk, int* ksize) {
  const double support_1 = bicubic ? 2.0 : 1.0;
  const double scale = double(in_size) / out_size;
  const double filterscale = scale < 1.0 ? 1.0 : scale;
  const double support = support_1 * filterscale;
  *ksize = int(std::ceil(support)) * 2 + 1;
  bounds->assign(out_size * 2, 0);
  kk->assign(out_size * *ksize, 0);
  for (int xx = 0; xx < out_size; ++xx) {
    const double center = (xx + 0.5) * scale;
    int xmin = std::max(int(center - support + 0.5), 0);
    int xmax = std::min(int(center + support + 0.5), in_size) - xmin;
    std::vector<double> k(xmax);
    double ww = 0;
    for (int x = 0; x < xmax; ++x) {
      double t = std::fabs((x + xmin - center + 0.5) / filterscale);
      double w = 0;
      if (bicubic) {
        const double a = -0.5;
        w = t < 1   ? ((a + 2) * t - (a + 3)) * t * t + 1
            : t < 2 ? (((t - 5) * t + 8) * t - 4) * a
                    : 0;
      } else {
        w = t < 1 ? 1 - t : 0;
      }
      k[x] = w;
      ww += w;
    }
    for (int x = 0; x < xmax; ++x) {
      const double v = (ww != 0 ? k[x] / ww : k[x]) * (1 << 22);
      (*kk)[xx * *ksize + x] = int(v < 0 ? -0.5 + v : 0.5 + v);
    }
    (*bounds)[xx * 2] = xmin;
    (*bounds)[xx * 2 + 1] = xmax;
  }
}

uint8_t ReferenceClip(int v) { return uint8_t(std::clamp(v >> 22, 0, 255)); }

// Full Pillow resize: horizontal pass to uint8, then vertical pass.
cv::Mat ReferenceResize(const cv::Mat& src, cv::Size size, bool bicubic) {
  const int cn = src.channels();
  cv::Mat tmp = src;
  if (size.width != src.cols) {
    std::vector<int> bounds, kk;
    int ksize = 0;
    ReferenceCoefficients(src.cols, size.width, bicubic, &bounds, &kk, &ksize);
    tmp.create(src.rows, size.width, src.type());
    for (int y = 0; y < src.rows; ++y) {
      for (int xx = 0; xx < size.width; ++xx) {
        for (int c = 0; c < cn; ++c) {
          int ss = 1 << 21;
          for (int x = 0; x < bounds[xx * 2 + 1]; ++x) {
            ss += src.ptr<uint8_t>(y)[(x + bounds[xx * 2]) * cn + c] * kk[xx * ksize + x];
          }
          tmp.ptr<uint8_t>(y)[xx * cn + c] = ReferenceClip(ss);
        }
      }
    }
  }
  if (size.height == src.rows) return tmp.clone();
  std::vector<int> bounds, kk;
  int ksize = 0;
  ReferenceCoefficients(src.rows, size.height, bicubic, &bounds, &kk, &ksize);
  cv::Mat out(size.height, tmp.cols, src.type());
  for (int yy = 0; yy < size.height; ++yy) {
    for (int v = 0; v < tmp.cols * cn; ++v) {
      int ss = 1 << 21;
      for (int y = 0; y < bounds[yy * 2 + 1]; ++y) {
        ss += tmp.ptr<uint8_t>(y + bounds[yy * 2])[v] * kk[yy * ksize + y];
      }
      out.ptr<uint8_t>(yy)[v] = ReferenceClip(ss);
    }
  }
  return out;
}

int MaxAbsDiff(const cv::Mat& a, const cv::Mat& b) {
  EXPECT_EQ(a.size(), b.size());
  EXPECT_EQ(a.type(), b.type());
  if (a.size() != b.size() || a.type() != b.type()) return 256;
  return static_cast<int>(cv::norm(a, b, /*normType=*/cv::NORM_INF));
}

struct Case {
  int in_w, in_h, out_w, out_h, channels;
};

TEST(PilResampleTest, MatchesReferenceTranscriptionOfPillow) {
  const Case cases[] = {
      {500, 375, 330, 248, 3}, {375, 500, 248, 330, 3}, {640, 427, 371, 248, 3},
      {97, 61, 224, 224, 3},   {5, 3, 224, 224, 3},     {1, 1, 7, 5, 3},
      {300, 200, 224, 200, 3}, {300, 200, 300, 77, 3},  {1000, 40, 13, 40, 1},
      {64, 64, 31, 17, 4},     {37, 29, 16, 16, 2},     {2000, 1500, 330, 248, 3},
      {451, 300, 224, 224, 1}, {257, 255, 256, 256, 3},
  };
  uint64_t seed = 1;
  for (const Case& c : cases) {
    for (bool bicubic : {false, true}) {
      SCOPED_TRACE(::testing::Message()
                   << c.in_w << "x" << c.in_h << "->" << c.out_w << "x" << c.out_h << " cn "
                   << c.channels << (bicubic ? " bicubic" : " bilinear"));
      const cv::Mat src = testing::RandomImage(c.in_w, c.in_h, CV_8UC(c.channels), seed++);
      const cv::Size size(c.out_w, c.out_h);
      const cv::Mat expected = ReferenceResize(src, size, bicubic);
      const Interpolation interpolation =
          bicubic ? Interpolation::kBicubic : Interpolation::kBilinear;
      EXPECT_EQ(
          MaxAbsDiff(PilResample(src, size, cv::Rect(cv::Point(), size), interpolation), expected),
          0);
      // Any window equals the same window of the full result.
      const cv::Rect window(c.out_w / 3, c.out_h / 4, std::max(1, c.out_w / 2),
                            std::max(1, c.out_h / 2));
      EXPECT_EQ(MaxAbsDiff(PilResample(src, size, window, interpolation), expected(window)), 0);
    }
  }
}

TEST(PilResampleTest, ParallelEqualsSerial) {
  const cv::Mat src = testing::RandomImage(1600, 1200, CV_8UC3, 7);
  const cv::Size size(331, 248);
  const int threads = cv::getNumThreads();
  cv::setNumThreads(1);
  const cv::Mat serial =
      PilResample(src, size, cv::Rect(cv::Point(), size), Interpolation::kBicubic);
  cv::setNumThreads(4);
  const cv::Mat parallel =
      PilResample(src, size, cv::Rect(cv::Point(), size), Interpolation::kBicubic);
  cv::setNumThreads(threads);
  EXPECT_EQ(MaxAbsDiff(serial, parallel), 0);
}

TEST(PilResampleTest, ConstantImageStaysConstant) {
  const cv::Mat src(123, 457, CV_8UC3, cv::Scalar(7, 128, 250));
  for (Interpolation interpolation : {Interpolation::kBilinear, Interpolation::kBicubic}) {
    const cv::Mat out = PilResample(src, cv::Size(224, 99), cv::Rect(0, 0, 224, 99), interpolation);
    EXPECT_EQ(MaxAbsDiff(out, cv::Mat(99, 224, CV_8UC3, cv::Scalar(7, 128, 250))), 0);
  }
}

TEST(PilResampleTest, GrayThenReplicateEqualsReplicateThenResample) {
  const cv::Mat gray = testing::RandomImage(333, 222, CV_8UC1, 3);
  cv::Mat bgr;
  cv::merge(std::vector<cv::Mat>{gray, gray, gray}, bgr);
  const cv::Size size(248, 165);
  const cv::Rect all(cv::Point(), size);
  cv::Mat gray_out = PilResample(gray, size, all, Interpolation::kBicubic);
  cv::Mat replicated;
  cv::merge(std::vector<cv::Mat>{gray_out, gray_out, gray_out}, replicated);
  EXPECT_EQ(MaxAbsDiff(PilResample(bgr, size, all, Interpolation::kBicubic), replicated), 0);
}

TEST(PilResampleTest, NearestPicksSourcePixels) {
  cv::Mat src(2, 4, CV_8UC1);
  for (int i = 0; i < 8; ++i) src.data[i] = static_cast<uint8_t>(i * 10);
  const cv::Mat out =
      PilResample(src, cv::Size(2, 1), cv::Rect(0, 0, 2, 1), Interpolation::kNearest);
  // Centers (0.5, 1.5) * scale 2 = 1, 3 in x; 0.5 * 2 = 1 in y (second row).
  EXPECT_EQ(out.at<uint8_t>(0, 0), 50);
  EXPECT_EQ(out.at<uint8_t>(0, 1), 70);
}

TEST(ResizePlanTest, ShorterSideAndRoundHalfToEvenCrop) {
  PreprocessSpec spec;
  spec.resize_shorter_side = 248;
  // rocket.jpg: 640x427 -> int(248 * 640 / 427) = 371; (371 - 224) / 2 = 73.5 -> 74.
  ResizePlan plan = PlanResize(spec, cv::Size(640, 427));
  EXPECT_EQ(plan.resized, cv::Size(371, 248));
  EXPECT_EQ(plan.crop, cv::Rect(74, 12, 224, 224));
  // 72.5 rounds down to the even 72: resized long side 369.
  plan = PlanResize(spec, cv::Size(427, 636));  // int(248 * 636 / 427) = 369
  EXPECT_EQ(plan.resized, cv::Size(248, 369));
  EXPECT_EQ(plan.crop, cv::Rect(12, 72, 224, 224));
  spec.resize_mode = ResizeMode::kExact;
  plan = PlanResize(spec, cv::Size(640, 427));
  EXPECT_EQ(plan.resized, cv::Size(224, 224));
  EXPECT_EQ(plan.crop, cv::Rect(0, 0, 224, 224));
}

TEST(ResizePlanTest, CropLargerThanImagePadsWithZerosLikeTorchvision) {
  PreprocessSpec spec;
  spec.resize_shorter_side = 200;  // crop 224 > 200: torchvision pads 12 left, 12 right
  const ResizePlan plan = PlanResize(spec, cv::Size(200, 300));
  EXPECT_EQ(plan.resized, cv::Size(200, 300));
  EXPECT_EQ(plan.crop, cv::Rect(-12, 38, 224, 224));
  const cv::Mat src(300, 200, CV_8UC3, cv::Scalar(9, 9, 9));
  const cv::Mat crop = ResizeAndCrop(src, plan, Interpolation::kBilinear);
  ASSERT_EQ(crop.size(), cv::Size(224, 224));
  EXPECT_EQ(crop.at<cv::Vec3b>(100, 11), cv::Vec3b(0, 0, 0));
  EXPECT_EQ(crop.at<cv::Vec3b>(100, 12), cv::Vec3b(9, 9, 9));
  EXPECT_EQ(crop.at<cv::Vec3b>(100, 211), cv::Vec3b(9, 9, 9));
  EXPECT_EQ(crop.at<cv::Vec3b>(100, 212), cv::Vec3b(0, 0, 0));
}

}  // namespace
}  // namespace vit::preprocessing
