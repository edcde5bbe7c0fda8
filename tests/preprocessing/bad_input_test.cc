// Every Safety case of issue 3 gets a clear error, never a crash: empty input,
// undecodable bytes, truncated files, zero-sized images, pixel bombs (checked from
// the header, before decoding), size limits, missing files.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "preprocessing/image_preprocessor.h"
#include "tests/preprocessing/test_images.h"
#include "tests/support/test_paths.h"

namespace vit::preprocessing {
namespace {

PreprocessSpec TimmSpec() {
  PreprocessSpec spec;
  spec.resize_shorter_side = 248;
  spec.interpolation = Interpolation::kBicubic;
  return spec;
}

Status Tokens(const std::vector<uint8_t>& bytes, PreprocessOptions options = {}) {
  const ImagePreprocessor p(TimmSpec(), options);
  std::vector<float> tokens(p.tokens_size());
  return p.EncodedToTokens(bytes.data(), bytes.size(), tokens.data());
}

void PutBe(std::vector<uint8_t>* bytes, size_t offset, uint32_t value, int size) {
  for (int i = 0; i < size; ++i) (*bytes)[offset + i] = uint8_t(value >> (8 * (size - 1 - i)));
}

// Offset of the first baseline SOF0 marker of an OpenCV-written JPEG.
size_t FindSof0(const std::vector<uint8_t>& jpeg) {
  for (size_t i = 2; i + 1 < jpeg.size(); ++i) {
    if (jpeg[i] == 0xFF && jpeg[i + 1] == 0xC0) return i;
  }
  return 0;
}

std::vector<uint8_t> SmallJpeg() {
  return testing::Encode(testing::RandomImage(64, 48, CV_8UC3, 1), ".jpg");
}
std::vector<uint8_t> SmallPng() {
  return testing::Encode(testing::RandomImage(64, 48, CV_8UC3, 2), ".png");
}

TEST(BadInputTest, EmptyInputIsInvalidArgument) {
  const ImagePreprocessor p(TimmSpec());
  std::vector<float> tokens(p.tokens_size());
  const uint8_t byte = 0;
  for (const Status& s :
       {p.EncodedToTokens(nullptr, 0, tokens.data()), p.EncodedToTokens(&byte, 0, tokens.data())}) {
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
    EXPECT_NE(s.message().find("empty"), std::string::npos) << s.message();
  }
}

TEST(BadInputTest, UndecodableBytesAreInvalidArgument) {
  const std::vector<uint8_t> text = {'h', 'e', 'l', 'l', 'o', ' ', 'w', 'o', 'r', 'l', 'd'};
  Status s = Tokens(text);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("unrecognized"), std::string::npos) << s.message();
  // GIF: a real format, but not one we can check for pixel bombs.
  s = Tokens({'G', 'I', 'F', '8', '9', 'a', 1, 0, 1, 0, 0, 0, 0});
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  // Valid JPEG headers, garbage scan data: the decoder itself fails.
  std::vector<uint8_t> jpeg = SmallJpeg();
  const size_t sos = jpeg.size() - 40;
  for (size_t i = FindSof0(jpeg) + 20; i < sos; ++i) jpeg[i] = 0xFF;
  EXPECT_FALSE(Tokens(jpeg).ok());
}

TEST(BadInputTest, TruncatedJpegFixtureIsDataLossNamingTheFile) {
  const std::string path = testing::TestImagesDir() + "/truncated.jpg";
  const ImagePreprocessor p(TimmSpec());
  std::vector<float> tokens(p.tokens_size());
  const Status s = p.FileToTokens(path, tokens.data());
  EXPECT_EQ(s.code(), StatusCode::kDataLoss) << s.ToString();
  EXPECT_NE(s.message().find(path), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("truncated"), std::string::npos) << s.message();
  EXPECT_EQ(p.FileToCrop(path).status().code(), StatusCode::kDataLoss);
}

TEST(BadInputTest, TruncatedFilesOfEveryFormatAreDataLoss) {
  const cv::Mat image = testing::RandomImage(64, 48, CV_8UC3, 3);
  const std::vector<std::pair<std::string, std::vector<int>>> formats = {
      {".jpg", {}}, {".png", {}}, {".webp", {}}, {".bmp", {}}};
  for (const auto& [extension, params] : formats) {
    const std::vector<uint8_t> full = testing::Encode(image, extension, params);
    ASSERT_TRUE(Tokens(full).ok()) << extension;
    // Cut in the middle of the pixel data and just before the end marker.
    for (size_t keep : {full.size() / 2, full.size() - 2}) {
      const std::vector<uint8_t> cut(full.begin(), full.begin() + keep);
      const Status s = Tokens(cut);
      EXPECT_EQ(s.code(), StatusCode::kDataLoss)
          << extension << " cut at " << keep << ": " << s.ToString();
    }
    // Cut inside the header.
    const std::vector<uint8_t> header_only(full.begin(), full.begin() + 12);
    EXPECT_FALSE(Tokens(header_only).ok()) << extension;
  }
}

TEST(BadInputTest, ZeroSizedImagesAreInvalidArgument) {
  std::vector<uint8_t> png = SmallPng();
  PutBe(&png, 16, 0, 4);  // IHDR width
  Status s = Tokens(png);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("zero-sized"), std::string::npos) << s.message();

  std::vector<uint8_t> jpeg = SmallJpeg();
  PutBe(&jpeg, FindSof0(jpeg) + 5, 0, 2);  // SOF height
  s = Tokens(jpeg);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("zero-sized"), std::string::npos) << s.message();

  std::vector<uint8_t> bmp = testing::Encode(testing::RandomImage(8, 8, CV_8UC3, 4), ".bmp");
  PutBe(&bmp, 18, 0, 4);  // width (little-endian 0 either way)
  EXPECT_EQ(Tokens(bmp).code(), StatusCode::kInvalidArgument);
}

TEST(BadInputTest, PixelCountBeyondSixtyFourBitsIsReportedWithoutOverflow) {
  // Found by fuzz_image_preprocess (UBSan: signed overflow computing the count
  // for the error message); reproducer in fuzz/regressions/fuzz_image_preprocess.
  const std::string pgm = "P5\n422222222222 222222222222\n255\n";
  std::vector<uint8_t> bytes(pgm.begin(), pgm.end());
  bytes.resize(bytes.size() + 64, 0x7F);
  Status s = Tokens(bytes);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("too many pixels"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("more than 2^63"), std::string::npos) << s.message();
}

TEST(BadInputTest, PixelBombsAreRejectedFromTheHeaderBeforeDecoding) {
  // PNG announcing 100000 x 100000 followed by garbage: had the decoder run, the
  // error would be a decode failure, not the budget.
  std::vector<uint8_t> png = SmallPng();
  PutBe(&png, 16, 100000, 4);
  PutBe(&png, 20, 100000, 4);
  for (size_t i = 40; i < png.size(); ++i) png[i] = 0x5A;
  Status s = Tokens(png);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("too many pixels"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("100000x100000"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("max_pixels is 64000000"), std::string::npos) << s.message();

  std::vector<uint8_t> jpeg = SmallJpeg();
  PutBe(&jpeg, FindSof0(jpeg) + 5, 65000, 2);
  PutBe(&jpeg, FindSof0(jpeg) + 7, 65000, 2);
  s = Tokens(jpeg);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("65000x65000"), std::string::npos) << s.message();

  // A configurable budget: a real 512x512 photo over a 100,000-pixel budget.
  PreprocessOptions tight;
  tight.max_pixels = 100000;
  s = Tokens(testing::ReadBytes(testing::TestImagesDir() + "/baboon.jpg"), tight);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("512x512 = 262144 pixels, max_pixels is 100000"), std::string::npos)
      << s.message();
}

TEST(BadInputTest, EncodedSizeLimit) {
  PreprocessOptions tight;
  tight.max_image_bytes = 100;
  const Status s = Tokens(SmallPng(), tight);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("max_image_bytes is 100"), std::string::npos) << s.message();
}

TEST(BadInputTest, MissingFileIsNotFoundNamingThePath) {
  const ImagePreprocessor p(TimmSpec());
  std::vector<float> tokens(p.tokens_size());
  const std::string path = testing::TestImagesDir() + "/does_not_exist.jpg";
  const Status s = p.FileToTokens(path, tokens.data());
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_NE(s.message().find(path), std::string::npos) << s.message();
}

}  // namespace
}  // namespace vit::preprocessing
