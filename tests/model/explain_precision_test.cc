// The fast engine's bf16 and int8 heat maps against its own fp32 ones on the
// fixture models' reference pixel_values, for every fusion and discard 0 and
// 0.5: a Pearson correlation of at least kMinCorrelation, and the hottest
// low-precision patch at least kMinHotValue hot in the fp32 map (the exact
// argmax can move between near-equal patches: bf16 min fusion on ViT-Ti picks
// patch 4 where fp32 picks 98). Measured values are printed; at the time of
// writing: correlation >= 0.998 (bf16) and >= 0.9898 (int8).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <ostream>
#include <string>

#include "model/engine_common.h"
#include "model/inference_engine.h"
#include "tests/model/explain_heatmaps.h"
#include "tests/support/test_paths.h"

namespace vit {
namespace {

constexpr double kMinCorrelation = 0.98;
constexpr double kMinHotValue = 0.9;

double Correlation(const std::vector<float>& a, const std::vector<float>& b) {
  double ma = 0, mb = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    ma += a[i];
    mb += b[i];
  }
  ma /= a.size();
  mb /= b.size();
  double sab = 0, saa = 0, sbb = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) * (a[i] - ma);
    sbb += (b[i] - mb) * (b[i] - mb);
  }
  return sab / std::sqrt(saa * sbb);
}

size_t Hottest(const std::vector<float>& v) {
  return static_cast<size_t>(std::max_element(v.begin(), v.end()) - v.begin());
}

struct Param {
  std::string fixture;
  std::string dtype;
};

// For ctest's names: "FIXTURE/DTYPE" instead of the bytes.
void PrintTo(const Param& param, std::ostream* os) { *os << param.fixture << "/" << param.dtype; }

class ExplainPrecision : public ::testing::TestWithParam<Param> {};

TEST_P(ExplainPrecision, HeatmapsFollowFp32) {
  const Param& p = GetParam();
  if (p.dtype == "int8" && !CheckInt8Support(DetectInt8Isa()).ok())
    GTEST_SKIP() << "this CPU has no int8 dot-product instructions";
  const std::string folder = testing::FixturesDir() + "/" + p.fixture;
  ASSERT_TRUE(std::filesystem::is_directory(folder)) << folder << " is missing";
  EngineOptions options;
  options.dtype = "fp32";
  auto fp32 = InferenceEngine::Load(folder, options);
  ASSERT_TRUE(fp32.ok()) << fp32.status().ToString();
  options.dtype = p.dtype;
  auto low = InferenceEngine::Load(folder, options);
  ASSERT_TRUE(low.ok()) << low.status().ToString();
  int batch = 0;
  auto tokens = testing::ReferenceTokens(folder, (*fp32)->info(), &batch);
  ASSERT_TRUE(tokens.ok()) << tokens.status().ToString();
  double worst = 1.0, coolest = 1.0;
  for (HeadFusion fusion : {HeadFusion::kMean, HeadFusion::kMax, HeadFusion::kMin}) {
    for (float discard : {0.0f, 0.5f}) {
      ExplainSpec spec;
      spec.discard_ratio = discard;
      auto want = testing::EngineHeatmaps(**fp32, *tokens, batch, fusion, spec);
      auto got = testing::EngineHeatmaps(**low, *tokens, batch, fusion, spec);
      ASSERT_TRUE(want.ok() && got.ok());
      for (int b = 0; b < batch; ++b) {
        const auto& w = (*want)[b].values;
        const auto& g = (*got)[b].values;
        const double r = Correlation(w, g);
        worst = std::min(worst, r);
        EXPECT_GE(r, kMinCorrelation)
            << HeadFusionName(fusion) << " discard " << discard << " image " << b;
        const double hot = w[Hottest(g)];  // 1 when both pick the same patch
        coolest = std::min(coolest, hot);
        EXPECT_GE(hot, kMinHotValue)
            << HeadFusionName(fusion) << " discard " << discard << " image " << b;
      }
    }
  }
  std::printf(
      "  %s %s vs fp32: lowest correlation %.5f, lowest fp32 value at the hottest patch %.4f\n",
      p.fixture.c_str(), p.dtype.c_str(), worst, coolest);
}

std::vector<Param> Params() {
  std::vector<Param> params;
  for (const char* fixture :
       {"timm_vit_tiny_patch16_224", "timm_vit_gap_fcnorm", "timm_vit_reg4_layerscale"}) {
    for (const char* dtype : {"bf16", "int8"}) params.push_back({fixture, dtype});
  }
  return params;
}

INSTANTIATE_TEST_SUITE_P(Fixtures, ExplainPrecision, ::testing::ValuesIn(Params()),
                         [](const ::testing::TestParamInfo<Param>& info) {
                           return info.param.fixture + "_" + info.param.dtype;
                         });

}  // namespace
}  // namespace vit
