#include "tests/score/image_tree.h"

#include <filesystem>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include "tests/support/synthetic_jpeg.h"

namespace vit::score::testing {

std::vector<std::string> MakeImageTree(const std::string& root, int count) {
  cv::RNG rng(12345);  // image sizes
  std::vector<std::string> paths;
  for (int i = 0; i < count; ++i) {
    const std::string folder = root + "/set" + std::to_string(i % 4) + "/part" +
                               std::to_string(i % 5) + "/batch" + std::to_string(i % 3);
    std::filesystem::create_directories(folder);
    const bool jpeg = i % 2 == 0;
    const std::string path =
        folder + "/img_" + std::to_string(i) + (jpeg ? ".jpg" : (i % 4 == 1 ? ".png" : ".PNG"));
    const int width = rng.uniform(24, 65), height = rng.uniform(24, 65);
    cv::imwrite(path, vit::testing::SyntheticPhoto(width, height, /*seed=*/i + 1));
    paths.push_back(path);
  }
  return paths;
}

}  // namespace vit::score::testing
