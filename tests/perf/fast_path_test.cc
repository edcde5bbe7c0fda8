// The fast inference path (model/fast/) against the LibTorch module on every
// fixture discovered when the test runs (tests/support/fixture_test_main.cc):
// fp32 must match the module tightly, bf16 within 1e-2 relative on the logits
// (and both against the peer library's reference).
#include <gtest/gtest.h>

#include <filesystem>

#include "model/fast/fast_vit_runner.h"
#include "model/inference_engine.h"
#include "model/model_loader.h"
#include "model/safetensors.h"
#include "tests/support/fixture_discovery.h"

namespace vit {
namespace {

namespace fs = std::filesystem;

constexpr double kFp32MaxRelativeError = 1e-4;
constexpr double kBf16MaxRelativeError = 1e-2;

torch::Tensor Get(const TensorMap& tensors, const std::string& name) {
  for (const auto& [key, tensor] : tensors) {
    if (key == name) return tensor;
  }
  return {};
}

double RelativeError(const torch::Tensor& ours, const torch::Tensor& ref) {
  return (ours - ref).norm().item<double>() / ref.norm().item<double>();
}

void ExpectClose(const torch::Tensor& ours, const torch::Tensor& ref, double tolerance,
                 const std::string& what) {
  ASSERT_TRUE(ref.defined()) << what << ": missing reference";
  ASSERT_EQ(ours.sizes(), ref.sizes()) << what;
  const double rel = RelativeError(ours, ref);
  std::printf("  %-56s rel %.2e (limit %.0e)\n", what.c_str(), rel, tolerance);
  EXPECT_LE(rel, tolerance) << what;
}

struct Case {
  std::string name;
  torch::Tensor pixels;  // [B, C, H, W]
  torch::Tensor tokens;  // [B, N, C*P*P]
  int64_t grid_h = 0, grid_w = 0;
  VisionTransformerImpl::Outputs reference;  // the LibTorch module, fp32
  torch::Tensor library_logits;              // written by timm / HF / torchvision
};

// Every input of a fixture (pixel_values and, e.g., pixel_values_80x96).
std::vector<Case> Cases(const std::string& dir) {
  auto model = LoadModelFolder(dir);
  EXPECT_TRUE(model.ok()) << model.status().ToString();
  auto ref = ReadSafetensors(dir + "/reference.safetensors");
  EXPECT_TRUE(ref.ok()) << ref.status().ToString();
  std::vector<Case> cases;
  if (!model.ok() || !ref.ok()) return cases;
  torch::InferenceMode guard;
  const int p = model->inferred.vit.patch_size;
  for (const auto& [key, pixels] : *ref) {
    if (key.rfind("pixel_values", 0) != 0) continue;
    const std::string suffix = key.substr(std::string("pixel_values").size());
    Case c;
    c.name = fs::path(dir).filename().string() + suffix;
    c.pixels = pixels;
    c.tokens = model->net->patch_embed->Patchify(pixels).contiguous();
    c.grid_h = pixels.size(2) / p;
    c.grid_w = pixels.size(3) / p;
    c.reference = model->net->ForwardOutputs(pixels);
    c.library_logits = Get(*ref, "logits" + suffix);
    cases.push_back(std::move(c));
  }
  return cases;
}

fast::FastVitRunner::Outputs RunFast(const std::string& dir, const Case& c, bool bf16,
                                     int64_t batch) {
  auto checkpoint = LoadCheckpoint(dir);
  EXPECT_TRUE(checkpoint.ok()) << checkpoint.status().ToString();
  if (!checkpoint.ok()) return {};
  torch::InferenceMode guard;
  fast::FastVitOptions options;
  options.precision = bf16 ? fast::Precision::kBf16 : fast::Precision::kFp32;
  fast::FastVitRunner runner(checkpoint->inferred.vit, std::move(checkpoint->weights), c.grid_h,
                             c.grid_w, options);
  return runner.Run(c.tokens.data_ptr<float>(), batch);
}

class FastPath : public ::testing::TestWithParam<std::string> {};

TEST_P(FastPath, Fp32MatchesReferenceModule) {
  const auto cases = Cases(GetParam());
  ASSERT_FALSE(cases.empty());
  for (const auto& c : cases) {
    const int64_t batch = c.tokens.size(0);
    auto out = RunFast(GetParam(), c, /*bf16=*/false, batch);
    ExpectClose(out.logits, c.reference.logits, kFp32MaxRelativeError, c.name + " fp32 logits");
    ExpectClose(out.features, c.reference.features, kFp32MaxRelativeError,
                c.name + " fp32 features");
    // A different batch size takes other oneDNN plans: the first image alone.
    auto first = RunFast(GetParam(), c, /*bf16=*/false, 1);
    ExpectClose(first.logits, c.reference.logits.narrow(0, 0, 1), kFp32MaxRelativeError,
                c.name + " fp32 logits, batch 1");
  }
}

TEST_P(FastPath, Bf16LogitsWithinOnePercentOfFp32) {
  const auto cases = Cases(GetParam());
  ASSERT_FALSE(cases.empty());
  for (const auto& c : cases) {
    auto out = RunFast(GetParam(), c, /*bf16=*/true, c.tokens.size(0));
    ExpectClose(out.logits, c.reference.logits, kBf16MaxRelativeError, c.name + " bf16 logits");
    ExpectClose(out.logits, c.library_logits, kBf16MaxRelativeError,
                c.name + " bf16 logits vs library");
    ExpectClose(out.features, c.reference.features, kBf16MaxRelativeError,
                c.name + " bf16 features");
  }
}

// The engine's fast backend against its reference backend through the public
// API (what the server calls), at two batch sizes.
TEST_P(FastPath, EngineFp32MatchesReferenceBackend) {
  EngineOptions fast_options;
  fast_options.dtype = "fp32";
  fast_options.backend = "fast";
  EngineOptions ref_options = fast_options;
  ref_options.backend = "reference";
  auto fast = InferenceEngine::Load(GetParam(), fast_options);
  auto ref = InferenceEngine::Load(GetParam(), ref_options);
  ASSERT_TRUE(fast.ok()) << fast.status().ToString();
  ASSERT_TRUE(ref.ok()) << ref.status().ToString();
  const auto& info = (*fast)->info();
  EXPECT_EQ(info.num_parameters, (*ref)->info().num_parameters);
  // ModelInfo says which engine ran.
  EXPECT_EQ(info.backend, "fast");
  EXPECT_EQ((*ref)->info().backend, "reference");
  for (int batch : {3, 1}) {
    torch::manual_seed(batch);
    auto tokens = torch::randn({batch, info.preprocess.num_patches(), info.preprocess.token_dim()});
    auto run = [&](InferenceEngine& engine) {
      auto logits = torch::empty({batch, info.num_classes});
      auto features = torch::empty({batch, info.feature_dim});
      Status status = engine.Run(tokens.data_ptr<float>(), batch, logits.data_ptr<float>(),
                                 features.data_ptr<float>());
      EXPECT_TRUE(status.ok()) << status.ToString();
      return std::make_pair(logits, features);
    };
    auto [fast_logits, fast_features] = run(**fast);
    auto [ref_logits, ref_features] = run(**ref);
    const std::string what =
        fs::path(GetParam()).filename().string() + " engine batch " + std::to_string(batch);
    ExpectClose(fast_logits, ref_logits, kFp32MaxRelativeError, what + " logits");
    ExpectClose(fast_features, ref_features, kFp32MaxRelativeError, what + " features");
  }
}

// An empty root registers no test here and fails in main().
INSTANTIATE_TEST_SUITE_P(Fixtures, FastPath, ::testing::ValuesIn(testing::DiscoverModelFixtures()),
                         [](const auto& info) { return testing::FixtureTestName(info.param); });

}  // namespace
}  // namespace vit
