// Logits and pooled features of every fixture model against the reference
// written by timm, transformers or torchvision. Folders are discovered, so a
// new fixture is tested without code changes.
#include <gtest/gtest.h>

#include <filesystem>

#include "model/model_loader.h"
#include "model/safetensors.h"
#include "tests/model/fixture_discovery.h"
#include "tests/support/test_paths.h"

namespace vit {
namespace {

namespace fs = std::filesystem;

constexpr double kMaxRelativeError = 1e-5;
constexpr double kMaxAbsoluteError = 1e-4;

torch::Tensor Get(const TensorMap& tensors, const std::string& name) {
  for (const auto& [key, tensor] : tensors) {
    if (key == name) return tensor;
  }
  return {};
}

void ExpectClose(const torch::Tensor& ours, const torch::Tensor& ref, const std::string& what) {
  ASSERT_TRUE(ref.defined()) << what << ": missing in reference";
  ASSERT_EQ(ours.sizes(), ref.sizes()) << what;
  const double rel = (ours - ref).norm().item<double>() / ref.norm().item<double>();
  const double max_abs = (ours - ref).abs().max().item<double>();
  std::printf("  %-48s rel %.2e  max abs %.2e\n", what.c_str(), rel, max_abs);
  EXPECT_LE(rel, kMaxRelativeError) << what;
  EXPECT_LE(max_abs, kMaxAbsoluteError) << what;
}

class Parity : public ::testing::TestWithParam<std::string> {};

TEST_P(Parity, LogitsAndFeaturesMatchReference) {
  const std::string dir = GetParam();
  auto model = LoadModelFolder(dir);
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  auto ref = ReadSafetensors(dir + "/reference.safetensors");
  ASSERT_TRUE(ref.ok()) << ref.status().ToString();
  torch::InferenceMode guard;
  const std::string name = fs::path(dir).filename().string();
  auto out = model->net->ForwardOutputs(Get(*ref, "pixel_values"));
  ExpectClose(out.logits, Get(*ref, "logits"), name + " logits");
  ExpectClose(out.features, Get(*ref, "features"), name + " features");
  // Other input sizes, e.g. logits_80x96 (dynamic image size).
  for (const auto& [key, tensor] : *ref) {
    if (key.rfind("logits_", 0) != 0) continue;
    const std::string suffix = key.substr(std::string("logits").size());
    auto pixels = Get(*ref, "pixel_values" + suffix);
    ASSERT_TRUE(pixels.defined()) << "pixel_values" << suffix;
    ExpectClose(model->net->forward(pixels), tensor, name + " " + key);
  }
}

TEST_P(Parity, TokensGiveSameLogitsAsPixels) {
  const std::string dir = GetParam();
  auto model = LoadModelFolder(dir);
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  auto ref = ReadSafetensors(dir + "/reference.safetensors");
  ASSERT_TRUE(ref.ok());
  torch::InferenceMode guard;
  auto pixels = Get(*ref, "pixel_values");
  auto tokens = model->net->patch_embed->Patchify(pixels);
  const int p = model->inferred.vit.patch_size;
  auto from_tokens = model->net->forward(tokens, pixels.size(2) / p, pixels.size(3) / p);
  EXPECT_TRUE(
      torch::allclose(from_tokens, model->net->forward(pixels), /*rtol=*/1e-6, /*atol=*/1e-6));
}

std::vector<std::string> Fixtures() {
  auto dirs = testing::DiscoverModelFixtures();
  // An empty fixture root must fail, not pass: a placeholder makes the
  // parameterised test run and fail on load.
  if (dirs.empty()) dirs.push_back(testing::FixturesDir() + "/<no model folders found>");
  return dirs;
}

std::string FixtureName(const ::testing::TestParamInfo<std::string>& info) {
  std::string name = fs::path(info.param).filename().string();
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return name;
}

INSTANTIATE_TEST_SUITE_P(Fixtures, Parity, ::testing::ValuesIn(Fixtures()), FixtureName);

TEST(ParityDiscovery, FixtureRootHasModelFolders) {
  EXPECT_FALSE(testing::DiscoverModelFixtures().empty())
      << "no model folders with reference.safetensors under " << testing::FixturesDir();
}

}  // namespace
}  // namespace vit
