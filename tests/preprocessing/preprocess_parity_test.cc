// Every IMAGE.PIPELINE crop in fixtures/preprocessing/reference.safetensors (written
// by PIL + torchvision / timm / transformers) must be reproduced within
// mean |diff| <= 0.1 and max |diff| <= 2 levels.
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "preprocessing/image_preprocessor.h"
#include "tests/preprocessing/pipeline_spec.h"
#include "tests/preprocessing/safetensors_u8.h"
#include "tests/support/test_paths.h"

namespace vit::preprocessing {
namespace {

namespace fs = std::filesystem;

constexpr double kMaxMeanAbsDiff = 0.1;
constexpr int kMaxAbsDiff = 2;

// The file in `dir` whose name without extension is `stem`, or "" if none.
std::string FindImageByStem(const std::string& dir, const std::string& stem) {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (entry.is_regular_file() && entry.path().stem() == stem) return entry.path().string();
  }
  return "";
}

struct Diff {
  double mean = 0;
  int max = 0;
};

// `reference` is CHW, `crop` HWC (RGB), both uint8.
Diff CompareChwToHwc(const testing::U8Tensor& reference, const cv::Mat& crop) {
  const int c = static_cast<int>(reference.shape[0]);
  const int h = static_cast<int>(reference.shape[1]);
  const int w = static_cast<int>(reference.shape[2]);
  Diff diff;
  double total = 0;
  for (int ch = 0; ch < c; ++ch) {
    for (int y = 0; y < h; ++y) {
      const uint8_t* row = crop.ptr<uint8_t>(y);
      for (int x = 0; x < w; ++x) {
        const int d = std::abs(int(reference.data[(size_t(ch) * h + y) * w + x]) -
                               int(row[x * crop.channels() + ch]));
        total += d;
        diff.max = std::max(diff.max, d);
      }
    }
  }
  diff.mean = total / reference.data.size();
  return diff;
}

TEST(PreprocessParity, MatchesPilTorchvisionTimmAndHfCrops) {
  const std::string dir = testing::FixturesDir() + "/preprocessing";
  std::map<std::string, testing::U8Tensor> references;
  std::string error;
  ASSERT_TRUE(testing::ReadSafetensorsU8(dir + "/reference.safetensors", &references, &error))
      << error;
  ASSERT_FALSE(references.empty()) << "no reference crops in " << dir << "/reference.safetensors";
  std::ifstream json_file(dir + "/pipelines.json");
  ASSERT_TRUE(json_file) << "cannot open " << dir << "/pipelines.json";
  const nlohmann::json pipelines = nlohmann::json::parse(json_file);

  std::map<std::string, Diff> worst;  // per pipeline
  for (const auto& [key, reference] : references) {
    SCOPED_TRACE(key);
    const size_t dot = key.find('.');
    ASSERT_NE(dot, std::string::npos) << "key is not IMAGE.PIPELINE";
    const std::string image = key.substr(0, dot);
    const std::string pipeline = key.substr(dot + 1);
    ASSERT_TRUE(pipelines.contains(pipeline)) << "pipeline not in pipelines.json";
    const std::string path = FindImageByStem(testing::TestImagesDir(), image);
    ASSERT_FALSE(path.empty()) << "no image named " << image << " in " << testing::TestImagesDir();
    StatusOr<PreprocessSpec> spec = testing::SpecFromPipelineJson(pipelines.at(pipeline));
    ASSERT_TRUE(spec.ok()) << spec.status().ToString();
    ASSERT_EQ(reference.shape, (std::vector<int64_t>{3, spec->input_height, spec->input_width}));

    const ImagePreprocessor preprocessor(*spec);
    StatusOr<cv::Mat> crop = preprocessor.FileToCrop(path);
    ASSERT_TRUE(crop.ok()) << crop.status().ToString();
    ASSERT_EQ(crop->type(), CV_8UC3);
    ASSERT_EQ(crop->size(), cv::Size(spec->input_width, spec->input_height));
    const Diff diff = CompareChwToHwc(reference, *crop);
    std::printf("%-40s mean |diff| %.4f  max %d\n", key.c_str(), diff.mean, diff.max);
    EXPECT_LE(diff.mean, kMaxMeanAbsDiff);
    EXPECT_LE(diff.max, kMaxAbsDiff);
    Diff& w = worst[pipeline];
    w.mean = std::max(w.mean, diff.mean);
    w.max = std::max(w.max, diff.max);
  }
  for (const auto& [pipeline, w] : worst) {
    std::printf("worst %-30s mean |diff| %.4f  max %d\n", pipeline.c_str(), w.mean, w.max);
  }
}

}  // namespace
}  // namespace vit::preprocessing
