// Logits and pooled features of every fixture model against the reference
// written by timm, transformers or torchvision. Folders are discovered when
// the test runs (tests/support/fixture_test_main.cc), so a new fixture, or
// another root in $VIT_FIXTURES_DIR, is tested without code changes.
#include <gtest/gtest.h>

#include <filesystem>

#include "model/model_loader.h"
#include "model/safetensors.h"
#include "tests/support/fixture_discovery.h"

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
  // Both forwards with the same intra-op team: ATen's parallel reductions
  // (LayerNorm, softmax, mean) sum in an order that depends on the thread
  // count, and a fresh process may run its first forward with another count
  // than its second (seen on a 2-core EPYC: 1e-6 apart, timm_vit_reg4_layerscale).
  torch::set_num_threads(2);
  auto pixels = Get(*ref, "pixel_values");
  auto tokens = model->net->patch_embed->Patchify(pixels);
  const int p = model->inferred.vit.patch_size;
  auto from_tokens = model->net->forward(tokens, pixels.size(2) / p, pixels.size(3) / p);
  EXPECT_TRUE(
      torch::allclose(from_tokens, model->net->forward(pixels), /*rtol=*/1e-6, /*atol=*/1e-6));
}

// An empty root registers no test here and fails in main().
INSTANTIATE_TEST_SUITE_P(Fixtures, Parity, ::testing::ValuesIn(testing::DiscoverModelFixtures()),
                         [](const auto& info) { return testing::FixtureTestName(info.param); });

}  // namespace
}  // namespace vit
