#include "bench/score/bench_images.h"

#include <cstdio>
#include <filesystem>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

namespace vit::bench {

Status WriteBenchJpegs(const std::string& dir, int count, int width, int height) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return FailedPreconditionError(dir + ": " + ec.message());
  cv::RNG rng(777);
  for (int i = 0; i < count; ++i) {
    // Smooth colors plus noise, so JPEG sizes are like photos' (not flat fields).
    cv::Mat coarse(height / 16, width / 16, CV_8UC3), noise(height, width, CV_8UC3), image;
    rng.fill(coarse, cv::RNG::UNIFORM, 0, 256);
    rng.fill(noise, cv::RNG::NORMAL, 0, 12);
    cv::resize(coarse, image, cv::Size(width, height), /*fx=*/0, /*fy=*/0, cv::INTER_CUBIC);
    image += noise;
    char name[32];
    std::snprintf(name, sizeof(name), "/img_%05d.jpg", i);
    if (!cv::imwrite(dir + name, image, {cv::IMWRITE_JPEG_QUALITY, 90}))
      return FailedPreconditionError(dir + name + ": imwrite failed");
  }
  return Status::Ok();
}

}  // namespace vit::bench
