#include "bench/preprocess/bench_images.h"

#include <cmath>
#include <fstream>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

namespace vit::bench {

std::vector<uint8_t> MakeSyntheticJpeg(int width, int height, uint64_t seed) {
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
  std::vector<uint8_t> jpeg;
  cv::imencode(".jpg", image8, jpeg, /*params=*/{cv::IMWRITE_JPEG_QUALITY, 90});
  return jpeg;
}

bool WriteFile(const std::string& path, const std::vector<uint8_t>& bytes) {
  std::ofstream file(path, std::ios::binary);
  file.write(reinterpret_cast<const char*>(bytes.data()),
             static_cast<std::streamsize>(bytes.size()));
  return static_cast<bool>(file);
}

}  // namespace vit::bench
