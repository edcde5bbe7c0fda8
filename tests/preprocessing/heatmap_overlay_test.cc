// The explanation overlay: a PNG at the image's own upright size (EXIF
// orientation applied), the heat map over the crop the model saw and the
// rest of the image untouched, colour-mapped hot where the map is 1.
#include "preprocessing/heatmap_overlay.h"

#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "tests/preprocessing/test_images.h"
#include "tests/support/test_paths.h"

namespace vit::preprocessing {
namespace {

// 32 x 32 input, patch 16 (a 2 x 2 grid), shorter side resized to 32.
PreprocessSpec SmallSpec() {
  PreprocessSpec spec;
  spec.input_height = 32;
  spec.input_width = 32;
  spec.resize_shorter_side = 32;
  spec.patch_size = 16;
  return spec;
}

Heatmap HotTopLeft() {
  Heatmap heatmap;
  heatmap.grid_height = 2;
  heatmap.grid_width = 2;
  heatmap.values = {1.0f, 0.0f, 0.0f, 0.0f};
  return heatmap;
}

cv::Mat DecodePng(const std::string& png) {
  const std::vector<uint8_t> bytes(png.begin(), png.end());
  return cv::imdecode(bytes, cv::IMREAD_UNCHANGED);
}

TEST(HeatmapOverlayTest, PngHasTheUprightSizeAndHeatOnlyOverTheCrop) {
  // Stored 96 wide x 64 tall, uniform gray; EXIF orientation 6 makes it
  // 64 wide x 96 tall. The crop (shorter side 64 -> 32, so 32 x 48, centre
  // 32 x 32) covers rows 16..79 of the upright image.
  const cv::Mat gray(64, 96, CV_8UC3, cv::Scalar(128, 128, 128));
  const std::vector<uint8_t> png =
      testing::WithPngChunk(testing::Encode(gray, ".png"), "eXIf", testing::ExifWithOrientation(6));
  auto overlay = RenderHeatmapOverlay(png.data(), png.size(), HotTopLeft(), SmallSpec(),
                                      PreprocessOptions{}, OverlayOptions{});
  ASSERT_TRUE(overlay.ok()) << overlay.status().ToString();
  const cv::Mat image = DecodePng(*overlay);
  ASSERT_FALSE(image.empty()) << "the overlay is not a PNG";
  EXPECT_EQ(image.cols, 64);
  EXPECT_EQ(image.rows, 96);
  EXPECT_EQ(image.type(), CV_8UC3);
  const cv::Vec3b above = image.at<cv::Vec3b>(5, 32);
  const cv::Vec3b below = image.at<cv::Vec3b>(90, 32);
  EXPECT_EQ(above, cv::Vec3b(128, 128, 128)) << "outside the crop the image is unchanged";
  EXPECT_EQ(below, cv::Vec3b(128, 128, 128));
  const cv::Vec3b hot = image.at<cv::Vec3b>(24, 8);    // top-left patch (BGR)
  const cv::Vec3b cold = image.at<cv::Vec3b>(72, 56);  // bottom-right patch
  EXPECT_GT(hot[2], hot[0]) << "JET at 1 is red";
  EXPECT_GT(cold[0], cold[2]) << "JET at 0 is blue";
}

TEST(HeatmapOverlayTest, GrayscaleImageGetsAColourOverlay) {
  // A one-channel PNG (as the Fashion-MNIST model takes): the overlay is
  // three-channel BGR at the same size, coloured where the map is hot.
  const cv::Mat gray(32, 32, CV_8UC1, cv::Scalar(100));
  const std::vector<uint8_t> png = testing::Encode(gray, ".png");
  auto overlay = RenderHeatmapOverlay(png.data(), png.size(), HotTopLeft(), SmallSpec(),
                                      PreprocessOptions{}, OverlayOptions{});
  ASSERT_TRUE(overlay.ok()) << overlay.status().ToString();
  const cv::Mat image = DecodePng(*overlay);
  ASSERT_EQ(image.type(), CV_8UC3);
  EXPECT_EQ(image.size(), cv::Size(32, 32));
  const cv::Vec3b hot = image.at<cv::Vec3b>(4, 4);
  EXPECT_GT(hot[2], hot[0]) << "JET at 1 is red";
}

TEST(HeatmapOverlayTest, OpacityZeroLeavesTheImageAndTurboRenders) {
  const cv::Mat image = testing::RandomImage(40, 30, CV_8UC3, /*seed=*/7);
  const std::vector<uint8_t> png = testing::Encode(image, ".png");
  OverlayOptions clear;
  clear.opacity = 0.0;
  auto same = RenderHeatmapOverlay(png.data(), png.size(), HotTopLeft(), SmallSpec(),
                                   PreprocessOptions{}, clear);
  ASSERT_TRUE(same.ok()) << same.status().ToString();
  EXPECT_EQ(cv::norm(DecodePng(*same), image, cv::NORM_INF), 0.0);
  OverlayOptions turbo;
  turbo.color_map = ColorMap::kTurbo;
  auto coloured = RenderHeatmapOverlay(png.data(), png.size(), HotTopLeft(), SmallSpec(),
                                       PreprocessOptions{}, turbo);
  ASSERT_TRUE(coloured.ok());
  EXPECT_GT(cv::norm(DecodePng(*coloured), image, cv::NORM_INF), 0.0);
}

TEST(HeatmapOverlayTest, RealJpegKeepsItsSize) {
  const std::vector<uint8_t> jpeg =
      testing::ReadBytes(vit::testing::TestImagesDir() + "/baboon.jpg");
  ASSERT_FALSE(jpeg.empty());
  const cv::Mat original = cv::imdecode(jpeg, cv::IMREAD_COLOR);
  auto overlay = RenderHeatmapOverlay(jpeg.data(), jpeg.size(), HotTopLeft(), SmallSpec(),
                                      PreprocessOptions{}, OverlayOptions{});
  ASSERT_TRUE(overlay.ok()) << overlay.status().ToString();
  const cv::Mat image = DecodePng(*overlay);
  EXPECT_EQ(image.size(), original.size());
}

TEST(HeatmapOverlayTest, BadInputIsAnErrorNotACrash) {
  const std::vector<uint8_t> png = testing::Encode(cv::Mat(8, 8, CV_8UC3, cv::Scalar(1)), ".png");
  Heatmap short_map = HotTopLeft();
  short_map.values.pop_back();
  EXPECT_EQ(
      RenderHeatmapOverlay(png.data(), png.size(), short_map, SmallSpec(), {}, {}).status().code(),
      StatusCode::kInvalidArgument);
  const std::string junk = "not an image";
  EXPECT_FALSE(RenderHeatmapOverlay(reinterpret_cast<const uint8_t*>(junk.data()), junk.size(),
                                    HotTopLeft(), SmallSpec(), {}, {})
                   .ok());
  OverlayOptions opaque;
  opaque.opacity = 1.5;
  EXPECT_EQ(RenderHeatmapOverlay(png.data(), png.size(), HotTopLeft(), SmallSpec(), {}, opaque)
                .status()
                .code(),
            StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace vit::preprocessing
