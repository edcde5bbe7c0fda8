// Decoding, color semantics, EXIF orientation, token layout and thread safety of
// ImagePreprocessor. Resampling itself: pil_resample_test; PIL parity:
// preprocess_parity_test.
#include "preprocessing/image_preprocessor.h"

#include <cmath>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "preprocessing/exif_orientation.h"
#include "tests/preprocessing/test_images.h"
#include "tests/support/test_paths.h"

namespace vit::preprocessing {
namespace {

// Identity geometry: the crop is the decoded image itself (patch 1 allows any size).
PreprocessSpec IdentitySpec(int width, int height, int channels = 3) {
  PreprocessSpec spec;
  spec.channels = channels;
  spec.input_width = width;
  spec.input_height = height;
  spec.resize_mode = ResizeMode::kExact;
  spec.patch_size = 1;
  spec.mean.assign(channels, 0.5f);
  spec.std.assign(channels, 0.5f);
  return spec;
}

PreprocessSpec TimmSpec() {
  PreprocessSpec spec;
  spec.resize_shorter_side = 248;
  spec.interpolation = Interpolation::kBicubic;
  return spec;
}

StatusOr<cv::Mat> Crop(const ImagePreprocessor& p, const std::vector<uint8_t>& bytes) {
  return p.EncodedToCrop(bytes.data(), bytes.size());
}

cv::Mat SmoothBgr(int width, int height) {
  cv::Mat image(height, width, CV_8UC3);
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      image.at<cv::Vec3b>(y, x) = cv::Vec3b(x * 255 / width, y * 255 / height, (x + y) % 256);
    }
  }
  return image;
}

int MaxAbsDiff(const cv::Mat& a, const cv::Mat& b) {
  if (a.size() != b.size() || a.type() != b.type()) return 256;
  return static_cast<int>(cv::norm(a, b, /*normType=*/cv::NORM_INF));
}

TEST(ImagePreprocessorTest, LosslessFormatsDecodeToTheSamePixels) {
  const cv::Mat bgr = SmoothBgr(64, 48);
  cv::Mat rgb;
  cv::cvtColor(bgr, rgb, /*code=*/cv::COLOR_BGR2RGB);
  const ImagePreprocessor p(IdentitySpec(64, 48));
  const std::vector<std::pair<std::string, std::vector<int>>> formats = {
      {".png", {}},  {".bmp", {}}, {".webp", {cv::IMWRITE_WEBP_QUALITY, 101}},
      {".tiff", {}}, {".ppm", {}}, {".ras", {}},
      {".jp2", {}}};
  for (const auto& [extension, params] : formats) {
    SCOPED_TRACE(extension);
    const std::vector<uint8_t> bytes = testing::Encode(bgr, extension, params);
    ASSERT_FALSE(bytes.empty());
    StatusOr<cv::Mat> crop = Crop(p, bytes);
    ASSERT_TRUE(crop.ok()) << crop.status().ToString();
    EXPECT_EQ(MaxAbsDiff(*crop, rgb), 0);
  }
}

TEST(ImagePreprocessorTest, CropIsRgbAndTokensFollowRgbOrder) {
  const cv::Mat blue(16, 16, CV_8UC3, cv::Scalar(255, 0, 0));  // BGR: pure blue
  const std::vector<uint8_t> png = testing::Encode(blue, ".png");
  PreprocessSpec spec = IdentitySpec(16, 16);
  spec.patch_size = 16;
  spec.mean = {0.f, 0.f, 0.f};
  spec.std = {1.f, 1.f, 1.f};
  const ImagePreprocessor p(spec);
  StatusOr<cv::Mat> crop = Crop(p, png);
  ASSERT_TRUE(crop.ok());
  EXPECT_EQ(crop->at<cv::Vec3b>(0, 0), cv::Vec3b(0, 0, 255));  // R, G, B
  std::vector<float> tokens(p.tokens_size());
  ASSERT_TRUE(p.EncodedToTokens(png.data(), png.size(), tokens.data()).ok());
  EXPECT_EQ(tokens[0], 0.0f);        // R plane of the patch
  EXPECT_EQ(tokens[2 * 256], 1.0f);  // B plane
}

TEST(ImagePreprocessorTest, AlphaIsDroppedWithoutCompositing) {
  cv::Mat bgra(8, 8, CV_8UC4, cv::Scalar(10, 20, 30, 0));  // fully transparent
  const ImagePreprocessor p(IdentitySpec(8, 8));
  StatusOr<cv::Mat> crop = Crop(p, testing::Encode(bgra, ".png"));
  ASSERT_TRUE(crop.ok());
  EXPECT_EQ(crop->at<cv::Vec3b>(3, 3), cv::Vec3b(30, 20, 10));
}

TEST(ImagePreprocessorTest, PaletteWithTransparencyExpandsLikePil) {
  // foo3x5x4indexed.png is a 5x3 palette image whose palette entries 0 and 3 are
  // transparent; PIL's convert('RGB') gives these rows (alpha ignored).
  const ImagePreprocessor p(IdentitySpec(5, 3));
  StatusOr<cv::Mat> crop = p.FileToCrop(testing::TestImagesDir() + "/foo3x5x4indexed.png");
  ASSERT_TRUE(crop.ok()) << crop.status().ToString();
  const cv::Vec3b expected[3][5] = {
      {{127, 0, 255}, {127, 0, 255}, {127, 0, 255}, {127, 0, 255}, {127, 0, 255}},
      {{192, 192, 255}, {192, 192, 255}, {0, 0, 255}, {0, 0, 255}, {0, 0, 255}},
      {{0, 31, 255}, {0, 31, 255}, {0, 31, 255}, {0, 31, 255}, {0, 31, 255}}};
  for (int y = 0; y < 3; ++y) {
    for (int x = 0; x < 5; ++x)
      EXPECT_EQ(crop->at<cv::Vec3b>(y, x), expected[y][x]) << y << "," << x;
  }
}

TEST(ImagePreprocessorTest, GrayIsReplicatedAndSixteenBitKeepsTheHighByte) {
  const cv::Mat gray = testing::RandomImage(16, 8, CV_8UC1, 5);
  const ImagePreprocessor p(IdentitySpec(16, 8));
  StatusOr<cv::Mat> crop = Crop(p, testing::Encode(gray, ".png"));
  ASSERT_TRUE(crop.ok());
  cv::Mat expected;
  cv::cvtColor(gray, expected, /*code=*/cv::COLOR_GRAY2RGB);
  EXPECT_EQ(MaxAbsDiff(*crop, expected), 0);

  const cv::Mat deep = testing::RandomImage(16, 8, CV_16UC3, 6);
  crop = Crop(p, testing::Encode(deep, ".png"));
  ASSERT_TRUE(crop.ok()) << crop.status().ToString();
  const cv::Vec<uint16_t, 3> v = deep.at<cv::Vec<uint16_t, 3>>(2, 3);  // BGR
  EXPECT_EQ(crop->at<cv::Vec3b>(2, 3), cv::Vec3b(v[2] >> 8, v[1] >> 8, v[0] >> 8));
}

TEST(ImagePreprocessorTest, SingleChannelSpecUsesPilLuma) {
  const cv::Mat bgr = testing::RandomImage(16, 16, CV_8UC3, 8);
  const ImagePreprocessor p(IdentitySpec(16, 16, /*channels=*/1));
  StatusOr<cv::Mat> crop = Crop(p, testing::Encode(bgr, ".png"));
  ASSERT_TRUE(crop.ok());
  ASSERT_EQ(crop->type(), CV_8UC1);
  for (int y = 0; y < 16; ++y) {
    for (int x = 0; x < 16; ++x) {
      const cv::Vec3b c = bgr.at<cv::Vec3b>(y, x);
      // Pillow Convert.c: L = (R * 19595 + G * 38470 + B * 7471 + 0x8000) >> 16.
      const int l = (c[2] * 19595 + c[1] * 38470 + c[0] * 7471 + 0x8000) >> 16;
      ASSERT_EQ(crop->at<uint8_t>(y, x), l) << y << "," << x;
    }
  }
}

TEST(ExifOrientationTest, MatchesPilExifTranspose) {
  // PIL: Image.fromarray([[1, 2, 3], [4, 5, 6]]).transpose(method for orientation).
  const cv::Mat image = (cv::Mat_<uint8_t>(2, 3) << 1, 2, 3, 4, 5, 6);
  const std::vector<std::vector<std::vector<int>>> expected = {{},
                                                               {{1, 2, 3}, {4, 5, 6}},
                                                               {{3, 2, 1}, {6, 5, 4}},
                                                               {{6, 5, 4}, {3, 2, 1}},
                                                               {{4, 5, 6}, {1, 2, 3}},
                                                               {{1, 4}, {2, 5}, {3, 6}},
                                                               {{4, 1}, {5, 2}, {6, 3}},
                                                               {{6, 3}, {5, 2}, {4, 1}},
                                                               {{3, 6}, {2, 5}, {1, 4}}};
  for (int orientation = 1; orientation <= 8; ++orientation) {
    const cv::Mat out = ApplyExifOrientation(image, orientation);
    const auto& rows = expected[orientation];
    ASSERT_EQ(out.rows, static_cast<int>(rows.size())) << orientation;
    for (int y = 0; y < out.rows; ++y) {
      for (int x = 0; x < out.cols; ++x) {
        EXPECT_EQ(out.at<uint8_t>(y, x), rows[y][x]) << "orientation " << orientation;
      }
    }
  }
}

TEST(ImagePreprocessorTest, ExifOrientationFromJpegApp1AndPngExif) {
  const cv::Mat bgr = SmoothBgr(64, 32);
  const std::vector<uint8_t> png = testing::Encode(bgr, ".png");
  const std::vector<uint8_t> jpeg = testing::Encode(bgr, ".jpg", {cv::IMWRITE_JPEG_QUALITY, 95});
  const ImagePreprocessor stored(IdentitySpec(64, 32));
  const ImagePreprocessor upright(IdentitySpec(32, 64));
  for (const auto& [name, bytes, orientation] :
       {std::make_tuple("jpeg", testing::WithJpegExif(jpeg, 6), 6),
        std::make_tuple("png", testing::WithPngChunk(png, "eXIf", testing::ExifWithOrientation(8)),
                        8)}) {
    SCOPED_TRACE(name);
    StatusOr<cv::Mat> rotated = Crop(upright, bytes);
    ASSERT_TRUE(rotated.ok()) << rotated.status().ToString();
    PreprocessOptions ignore;
    ignore.apply_exif_orientation = false;
    StatusOr<cv::Mat> as_stored = Crop(ImagePreprocessor(IdentitySpec(64, 32), ignore), bytes);
    ASSERT_TRUE(as_stored.ok());
    cv::Mat expected;
    cv::rotate(
        *as_stored, expected,
        /*rotateCode=*/orientation == 6 ? cv::ROTATE_90_CLOCKWISE : cv::ROTATE_90_COUNTERCLOCKWISE);
    EXPECT_EQ(MaxAbsDiff(*rotated, expected), 0);
    // Without EXIF the same pixels come out unrotated.
    StatusOr<cv::Mat> plain = Crop(stored, name == std::string("jpeg") ? jpeg : png);
    ASSERT_TRUE(plain.ok());
    EXPECT_EQ(MaxAbsDiff(*plain, *as_stored), 0);
  }
}

TEST(ImagePreprocessorTest, TokensAreNormalizedPatchesOfTheCrop) {
  PreprocessSpec spec = TimmSpec();
  spec.mean = {0.485f, 0.456f, 0.406f};
  spec.std = {0.229f, 0.224f, 0.225f};
  const ImagePreprocessor p(spec);
  const std::vector<uint8_t> bytes = testing::ReadBytes(testing::TestImagesDir() + "/rocket.jpg");
  StatusOr<cv::Mat> crop = Crop(p, bytes);
  ASSERT_TRUE(crop.ok());
  std::vector<float> tokens(p.tokens_size(), -99.f);
  ASSERT_EQ(tokens.size(), size_t{196} * 768);
  ASSERT_TRUE(p.EncodedToTokens(bytes.data(), bytes.size(), tokens.data()).ok());
  for (int patch : {0, 13, 14, 195}) {
    for (int c = 0; c < 3; ++c) {
      for (int py : {0, 7, 15}) {
        for (int px : {0, 9, 15}) {
          const int y = (patch / 14) * 16 + py;
          const int x = (patch % 14) * 16 + px;
          const float v = crop->at<cv::Vec3b>(y, x)[c];
          const float expected = (v / 255.0f - spec.mean[c]) / spec.std[c];
          EXPECT_EQ(tokens[patch * 768 + c * 256 + py * 16 + px], expected);
        }
      }
    }
  }
  std::vector<float> from_crop(p.tokens_size());
  p.CropToTokens(*crop, from_crop.data());
  EXPECT_EQ(tokens, from_crop);
}

TEST(ImagePreprocessorTest, CropToTokensRejectsAWrongCropWithNaN) {
  const ImagePreprocessor p(TimmSpec());
  const cv::Mat wrong(100, 100, CV_8UC3, cv::Scalar::all(1));
  EXPECT_FALSE(p.ValidateCrop(wrong).ok());
  std::vector<float> tokens(p.tokens_size(), 0.f);
  p.CropToTokens(wrong, tokens.data());
  EXPECT_TRUE(std::isnan(tokens[0]) && std::isnan(tokens.back()));
}

TEST(ImagePreprocessorTest, InvalidSpecIsReportedNotCrashed) {
  PreprocessSpec spec = TimmSpec();
  spec.patch_size = 15;  // 224 is not a multiple
  const ImagePreprocessor p(spec);
  EXPECT_EQ(p.init_status().code(), StatusCode::kInvalidArgument);
  const std::vector<uint8_t> bytes = testing::ReadBytes(testing::TestImagesDir() + "/rocket.jpg");
  EXPECT_EQ(Crop(p, bytes).status().code(), StatusCode::kInvalidArgument);
}

TEST(ImagePreprocessorTest, ReducedDecodeIsCloseButNotIdentical) {
  // A 2000x1500 JPEG of a real photo: reduced decode picks 1/2 (1000x750 >= 2 x 330x248).
  cv::Mat photo = cv::imread(testing::TestImagesDir() + "/baboon.jpg");
  ASSERT_FALSE(photo.empty());
  cv::resize(photo, photo, /*dsize=*/cv::Size(2000, 1500), /*fx=*/0, /*fy=*/0,
             /*interpolation=*/cv::INTER_CUBIC);
  const std::vector<uint8_t> jpeg = testing::Encode(photo, ".jpg");
  PreprocessOptions reduced;
  reduced.reduced_decode = true;
  StatusOr<cv::Mat> exact = Crop(ImagePreprocessor(TimmSpec()), jpeg);
  StatusOr<cv::Mat> fast = Crop(ImagePreprocessor(TimmSpec(), reduced), jpeg);
  ASSERT_TRUE(exact.ok() && fast.ok());
  cv::Mat diff;
  cv::absdiff(*exact, *fast, diff);
  const double mean = cv::mean(diff.reshape(1))[0];
  std::printf("reduced decode vs exact: mean |diff| %.3f max %d\n", mean,
              MaxAbsDiff(*exact, *fast));
  EXPECT_GT(mean, 0.0);  // a different decode path really ran
  EXPECT_LT(mean, 1.0);
  EXPECT_LE(MaxAbsDiff(*exact, *fast), 16);
}

TEST(ImagePreprocessorTest, ConcurrentCallsGiveTheSerialResults) {
  const ImagePreprocessor p(TimmSpec());
  const std::vector<std::string> names = {"rocket.jpg", "chelsea.png", "camera.png", "logo.png"};
  std::vector<std::vector<uint8_t>> files;
  std::vector<std::vector<float>> serial;
  for (const auto& name : names) {
    files.push_back(testing::ReadBytes(testing::TestImagesDir() + "/" + name));
    serial.emplace_back(p.tokens_size());
    ASSERT_TRUE(
        p.EncodedToTokens(files.back().data(), files.back().size(), serial.back().data()).ok());
  }
  std::vector<int> mismatches(names.size(), 0);
  std::vector<std::thread> threads;
  for (size_t t = 0; t < names.size(); ++t) {
    threads.emplace_back([&, t] {
      std::vector<float> tokens(p.tokens_size());
      for (int i = 0; i < 10; ++i) {
        const auto& f = files[(t + i) % files.size()];
        if (!p.EncodedToTokens(f.data(), f.size(), tokens.data()).ok() ||
            tokens != serial[(t + i) % files.size()]) {
          ++mismatches[t];
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (size_t t = 0; t < names.size(); ++t) EXPECT_EQ(mismatches[t], 0) << "thread " << t;
}

}  // namespace
}  // namespace vit::preprocessing
