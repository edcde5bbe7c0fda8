// The OpenCV front end's tokens fed to the model give the same logits as the
// same crop fed as NCHW pixels (patchified in torch): the two halves of the
// patch embedding agree on layout and normalization.
#include <gtest/gtest.h>

#include <filesystem>

#include "model/model_loader.h"
#include "preprocessing/image_preprocessor.h"
#include "tests/support/fixture_discovery.h"
#include "tests/support/test_paths.h"

namespace vit {
namespace {

namespace fs = std::filesystem;

// uint8 crop (H x W x C, RGB) -> normalized [1, C, H, W] float, the way
// torchvision's ToTensor + Normalize do it.
torch::Tensor CropToPixels(const cv::Mat& crop, const PreprocessSpec& spec) {
  auto hwc =
      torch::from_blob(crop.data, {crop.rows, crop.cols, crop.channels()}, torch::kUInt8).clone();
  auto chw = hwc.permute({2, 0, 1}).to(torch::kFloat32).div(255.0);
  auto mean = torch::tensor(spec.mean).view({-1, 1, 1});
  auto std = torch::tensor(spec.std).view({-1, 1, 1});
  return ((chw - mean) / std).unsqueeze(0);
}

TEST(TokensVsPixels, SameLogitsForEveryFixtureModelAndImage) {
  const auto models = testing::DiscoverModelFixtures();
  ASSERT_FALSE(models.empty()) << "no fixture models under " << testing::FixturesDir();
  const std::vector<std::string> images = {"chelsea.png", "camera.png", "rocket.jpg",
                                           "foo3x5x4indexed.png"};
  torch::InferenceMode guard;
  int compared = 0;
  for (const auto& dir : models) {
    auto model = LoadModelFolder(dir);
    ASSERT_TRUE(model.ok()) << model.status().ToString();
    const PreprocessSpec& spec = model->inferred.preprocess;
    preprocessing::ImagePreprocessor pre(spec);
    for (const auto& image : images) {
      const std::string path = testing::TestImagesDir() + "/" + image;
      auto crop = pre.FileToCrop(path);
      ASSERT_TRUE(crop.ok()) << crop.status().ToString();
      std::vector<float> tokens(pre.tokens_size());
      pre.CropToTokens(*crop, tokens.data());
      auto from_tokens = model->net->forward(
          torch::from_blob(tokens.data(), {1, spec.num_patches(), spec.token_dim()}),
          spec.grid_height(), spec.grid_width());
      auto from_pixels = model->net->forward(CropToPixels(*crop, spec));
      const double rel =
          (from_tokens - from_pixels).norm().item<double>() / from_pixels.norm().item<double>();
      EXPECT_LE(rel, 1e-5) << fs::path(dir).filename() << " " << image;
      ++compared;
    }
  }
  EXPECT_EQ(compared, static_cast<int>(models.size() * images.size()));
}

}  // namespace
}  // namespace vit
