// Explain on the fixture models (fp32, both engines) against a reference
// computed by tests/model/explain_reference.py with Debian's python3 + torch:
// the same ViT forward from the fixture weights, its softmax attention, and
// rollout / last-block attention with full matrix products. Every heat-map
// value within 1e-4, for mean / max / min fusion, discard 0 and 0.5.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <ostream>
#include <string>

#include "model/inference_engine.h"
#include "tests/model/explain_heatmaps.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_folder.h"
#include "tests/support/test_paths.h"

namespace vit {
namespace {

constexpr double kTolerance = 1e-4;

StatusOr<HeadFusion> FusionByName(const std::string& name) {
  VIT_ASSIGN_OR_RETURN(ExplainSpec spec, ParseExplainSpec("", name, 0.0f));
  return spec.head_fusion;
}

// The reference heat maps of `fixture`, computed once per fixture.
const nlohmann::json& Reference(const std::string& fixture) {
  static std::map<std::string, nlohmann::json> cache;
  static testing::TempFolder folder("explain-reference");
  auto it = cache.find(fixture);
  if (it != cache.end()) return it->second;
  const std::string out = folder / (fixture + ".json");
  const testing::ProcessResult run =
      testing::RunProcess(VIT_SYSTEM_PYTHON_BINARY, {VIT_EXPLAIN_REFERENCE_SCRIPT, "--model",
                                                     testing::FixturesDir() + "/" + fixture,
                                                     "--out", out, "--discard", "0.5"});
  nlohmann::json json;
  if (run.exit_code == 0) {
    std::ifstream in(out);
    json = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  }
  if (run.exit_code != 0 || json.is_discarded())
    ADD_FAILURE() << "the reference script failed (exit " << run.exit_code << "): " << run.output;
  return cache.emplace(fixture, json).first->second;
}

struct Param {
  std::string fixture;
  std::string backend;
};

// For ctest's names: "FIXTURE/BACKEND" instead of the bytes.
void PrintTo(const Param& param, std::ostream* os) { *os << param.fixture << "/" << param.backend; }

class ExplainReference : public ::testing::TestWithParam<Param> {};

TEST_P(ExplainReference, HeatmapsMatchThePythonReference) {
  const Param& p = GetParam();
  const std::string folder = testing::FixturesDir() + "/" + p.fixture;
  ASSERT_TRUE(std::filesystem::is_directory(folder)) << folder << " is missing";
  const nlohmann::json& reference = Reference(p.fixture);
  ASSERT_TRUE(reference.contains("cases")) << "no reference for " << p.fixture;
  EngineOptions options;
  options.dtype = "fp32";
  options.backend = p.backend;
  auto engine = InferenceEngine::Load(folder, options);
  ASSERT_TRUE(engine.ok()) << engine.status().ToString();
  int batch = 0;
  auto tokens = testing::ReferenceTokens(folder, (*engine)->info(), &batch);
  ASSERT_TRUE(tokens.ok()) << tokens.status().ToString();
  double worst = 0.0;
  int compared = 0;
  for (const auto& c : reference["cases"]) {
    const std::string what = c["method"].get<std::string>() + " " + c["fusion"].get<std::string>() +
                             " discard " + std::to_string(c["discard"].get<double>()) + " image " +
                             std::to_string(c["image"].get<int>());
    auto spec = ParseExplainSpec(c["method"], c["fusion"], c["discard"].get<float>());
    ASSERT_TRUE(spec.ok()) << spec.status().ToString();
    auto fusion = FusionByName(c["fusion"]);
    ASSERT_TRUE(fusion.ok());
    auto heatmaps = testing::EngineHeatmaps(**engine, *tokens, batch, *fusion, *spec);
    ASSERT_TRUE(heatmaps.ok()) << heatmaps.status().ToString();
    const Heatmap& ours = (*heatmaps)[c["image"].get<int>()];
    const std::vector<double> expected = c["values"].get<std::vector<double>>();
    EXPECT_EQ(ours.grid_height, c["grid"][0].get<int>()) << what;
    EXPECT_EQ(ours.grid_width, c["grid"][1].get<int>()) << what;
    ASSERT_EQ(ours.values.size(), expected.size()) << what;
    double max_abs = 0.0;
    for (size_t i = 0; i < expected.size(); ++i)
      max_abs = std::max(max_abs, std::abs(ours.values[i] - expected[i]));
    EXPECT_LE(max_abs, kTolerance) << what;
    worst = std::max(worst, max_abs);
    ++compared;
  }
  EXPECT_EQ(compared, 24) << "2 images x 3 fusions x 2 methods x 2 discard ratios";
  std::printf("  %s %s: %d heat maps, max abs difference %.2e\n", p.fixture.c_str(),
              p.backend.c_str(), compared, worst);
}

std::vector<Param> Params() {
  std::vector<Param> params;
  for (const char* fixture :
       {"timm_vit_tiny_patch16_224", "timm_vit_gap_fcnorm", "timm_vit_reg4_layerscale"}) {
    for (const char* backend : {"fast", "reference"}) params.push_back({fixture, backend});
  }
  return params;
}

INSTANTIATE_TEST_SUITE_P(Fixtures, ExplainReference, ::testing::ValuesIn(Params()),
                         [](const ::testing::TestParamInfo<Param>& info) {
                           return info.param.fixture + "_" + info.param.backend;
                         });

}  // namespace
}  // namespace vit
