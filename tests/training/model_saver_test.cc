#include "model/model_saver.h"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "model/model_loader.h"
#include "tests/support/temp_folder.h"
#include "tests/support/tiny_vit_config.h"

namespace vit {
namespace {

VitConfig SmallGrayConfig(const std::string& pool) {
  VitConfig c = testing::TinyVitConfig(/*image_size=*/28, /*patch_size=*/4, /*in_chans=*/1,
                                       /*num_classes=*/10, /*depth=*/2);
  c.embed_dim = 32;  // not a multiple of 64: heads cannot be guessed from the width
  c.num_heads = 4;
  c.mlp_hidden_dim = 64;
  c.global_pool = pool;
  c.class_token = pool == "token";
  return c;
}

PreprocessSpec GraySpec() {
  PreprocessSpec spec;
  spec.channels = 1;
  spec.input_height = spec.input_width = 28;
  spec.resize_shorter_side = 28;
  spec.interpolation = Interpolation::kBilinear;
  spec.mean = {0.286f};
  spec.std = {0.353f};
  spec.patch_size = 4;
  return spec;
}

std::vector<std::string> Labels() {
  std::vector<std::string> labels;
  for (int i = 0; i < 10; ++i) labels.push_back("label " + std::to_string(i));
  return labels;
}

class ModelSaverTest : public ::testing::TestWithParam<std::string> {};

TEST_P(ModelSaverTest, SaveThenLoadGivesSameArchitectureAndLogits) {
  torch::manual_seed(3);
  VisionTransformer net(SmallGrayConfig(GetParam()));
  // Move every parameter off its initial value so nothing matches by accident.
  {
    torch::NoGradGuard no_grad;
    for (auto& p : net->parameters()) p.add_(torch::randn_like(p) * 0.1);
  }
  net->eval();
  testing::TempFolder dir;
  ASSERT_TRUE(SaveModelFolder(dir.path(), net, Labels(), GraySpec()).ok());
  auto loaded = LoadModelFolder(dir.path());
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  const VitConfig& c = loaded->inferred.vit;
  EXPECT_EQ(c.ToString(), net->config().ToString());
  EXPECT_EQ(c.num_heads, 4);
  EXPECT_EQ(loaded->inferred.source_format, "vit-serve");
  EXPECT_EQ(loaded->inferred.labels, Labels());
  const PreprocessSpec& pre = loaded->inferred.preprocess;
  EXPECT_EQ(pre.channels, 1);
  EXPECT_EQ(pre.input_height, 28);
  EXPECT_EQ(pre.input_width, 28);
  EXPECT_EQ(pre.resize_shorter_side, 28);
  EXPECT_EQ(pre.interpolation, Interpolation::kBilinear);
  EXPECT_EQ(pre.mean, std::vector<float>{0.286f});
  EXPECT_EQ(pre.std, std::vector<float>{0.353f});

  torch::NoGradGuard no_grad;
  const auto input = torch::randn({3, 1, 28, 28});
  EXPECT_TRUE(torch::equal(net->forward(input), loaded->net->forward(input)));
}

INSTANTIATE_TEST_SUITE_P(Pools, ModelSaverTest, ::testing::Values("token", "avg"));

TEST(ModelSaverConfigTest, ConfigIsNativeTimmStyle) {
  const auto json =
      nlohmann::json::parse(NativeConfigJson(SmallGrayConfig("token"), Labels(), GraySpec()));
  EXPECT_EQ(json["format"], "vit-serve");
  EXPECT_EQ(json["model_args"]["num_heads"], 4);
  EXPECT_EQ(json["model_args"]["in_chans"], 1);
  EXPECT_EQ(json["model_args"]["img_size"], nlohmann::json::array({28, 28}));
  EXPECT_EQ(json["pretrained_cfg"]["input_size"], nlohmann::json::array({1, 28, 28}));
  EXPECT_DOUBLE_EQ(json["pretrained_cfg"]["crop_pct"].get<double>(), 1.0);
  EXPECT_EQ(json["pretrained_cfg"]["label_names"].size(), 10u);
}

TEST(ModelSaverConfigTest, RejectsWrongLabelCount) {
  VisionTransformer net(SmallGrayConfig("token"));
  testing::TempFolder dir;
  EXPECT_EQ(SaveModelFolder(dir.path(), net, {"a"}, GraySpec()).code(),
            StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace vit
