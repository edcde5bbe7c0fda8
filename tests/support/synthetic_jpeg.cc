#include "tests/support/synthetic_jpeg.h"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "tests/support/files.h"

namespace vit::testing {

cv::Mat SyntheticPhoto(int width, int height, uint64_t seed) {
  cv::RNG rng(seed);
  // Large smooth color regions: a coarse random field upsampled bicubically.
  cv::Mat coarse(/*rows=*/12, /*cols=*/16, CV_32FC3);
  rng.fill(coarse, /*distType=*/cv::RNG::UNIFORM, /*a=*/cv::Scalar::all(20),
           /*b=*/cv::Scalar::all(235));
  cv::Mat image;
  cv::resize(coarse, image, /*dsize=*/cv::Size(width, height), /*fx=*/0, /*fy=*/0,
             /*interpolation=*/cv::INTER_CUBIC);
  // Texture whose period scales with the image, plus per-pixel noise.
  for (int y = 0; y < height; ++y) {
    cv::Vec3f* row = image.ptr<cv::Vec3f>(y);
    for (int x = 0; x < width; ++x) {
      const float t = 25.0f * std::sin(0.09f * x * 500.0f / width + 0.05f * y) *
                      std::cos(0.07f * y * 375.0f / height);
      row[x] += cv::Vec3f(t, 0.8f * t, 0.6f * t);
    }
  }
  cv::Mat noise(image.size(), CV_32FC3);
  rng.fill(noise, /*distType=*/cv::RNG::NORMAL, /*a=*/cv::Scalar::all(0),
           /*b=*/cv::Scalar::all(6));
  image += noise;
  cv::Mat image8;
  image.convertTo(image8, /*rtype=*/CV_8UC3);
  return image8;
}

std::vector<uint8_t> SyntheticJpeg(int width, int height, uint64_t seed) {
  std::vector<uint8_t> jpeg;
  if (!cv::imencode(".jpg", SyntheticPhoto(width, height, seed), jpeg,
                    /*params=*/{cv::IMWRITE_JPEG_QUALITY, 90}))
    jpeg.clear();
  return jpeg;
}

Status WriteSyntheticJpegs(const std::string& dir, int count, int width, int height) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return FailedPreconditionError(dir + ": " + ec.message());
  for (int i = 0; i < count; ++i) {
    char name[32];
    std::snprintf(name, sizeof(name), "/img_%05d.jpg", i);
    const std::vector<uint8_t> jpeg = SyntheticJpeg(width, height, /*seed=*/i + 1);
    if (jpeg.empty() || !WriteFile(dir + name, jpeg))
      return FailedPreconditionError(dir + name + ": cannot write the JPEG");
  }
  return Status::Ok();
}

}  // namespace vit::testing
