#include "tests/score/image_tree.h"

#include <filesystem>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

namespace vit::score::testing {
namespace {

cv::Mat Picture(cv::RNG& rng, int width, int height) {
  cv::Mat small(std::max(2, height / 8), std::max(2, width / 8), CV_8UC3);
  rng.fill(small, cv::RNG::UNIFORM, 0, 256);
  cv::Mat image;
  cv::resize(small, image, cv::Size(width, height), /*fx=*/0, /*fy=*/0, cv::INTER_LINEAR);
  cv::circle(image, cv::Point(rng.uniform(0, width), rng.uniform(0, height)),
             /*radius=*/rng.uniform(2, std::max(3, width / 3)),
             cv::Scalar(rng.uniform(0, 256), rng.uniform(0, 256), rng.uniform(0, 256)),
             /*thickness=*/cv::FILLED);
  return image;
}

}  // namespace

std::vector<std::string> MakeImageTree(const std::string& root, int count) {
  cv::RNG rng(12345);
  std::vector<std::string> paths;
  for (int i = 0; i < count; ++i) {
    const std::string folder = root + "/set" + std::to_string(i % 4) + "/part" +
                               std::to_string(i % 5) + "/batch" + std::to_string(i % 3);
    std::filesystem::create_directories(folder);
    const bool jpeg = i % 2 == 0;
    const std::string path =
        folder + "/img_" + std::to_string(i) + (jpeg ? ".jpg" : (i % 4 == 1 ? ".png" : ".PNG"));
    const int width = rng.uniform(24, 65), height = rng.uniform(24, 65);
    cv::imwrite(path, Picture(rng, width, height));
    paths.push_back(path);
  }
  return paths;
}

void MakeJpegs(const std::string& root, int count, int width, int height) {
  cv::RNG rng(777);
  std::filesystem::create_directories(root);
  for (int i = 0; i < count; ++i) {
    char name[32];
    std::snprintf(name, sizeof(name), "/img_%05d.jpg", i);
    cv::imwrite(root + name, Picture(rng, width, height), {cv::IMWRITE_JPEG_QUALITY, 90});
  }
}

}  // namespace vit::score::testing
