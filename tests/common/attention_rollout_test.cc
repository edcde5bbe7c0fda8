// Attention rollout on matrices small enough to compute by hand: the discard
// (with ties), the residual and row normalization, the class-token row and
// the no-class-token mean, and the "attention" method.
#include "common/attention_rollout.h"

#include <gtest/gtest.h>

#include <vector>

#include "common/attention_capture.h"

namespace vit {
namespace {

AttentionGeometry Geometry(int depth, int prefix, bool class_token, int grid_h, int grid_w) {
  AttentionGeometry g;
  g.depth = depth;
  g.num_prefix_tokens = prefix;
  g.has_class_token = class_token;
  g.grid_height = grid_h;
  g.grid_width = grid_w;
  g.num_tokens = prefix + grid_h * grid_w;
  return g;
}

ExplainSpec Spec(ExplainMethod method, float discard = 0.0f) {
  ExplainSpec spec;
  spec.method = method;
  spec.discard_ratio = discard;
  return spec;
}

void ExpectValues(const Heatmap& heatmap, const std::vector<float>& expected) {
  ASSERT_EQ(heatmap.values.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i)
    EXPECT_NEAR(heatmap.values[i], expected[i], 1e-6) << "patch " << i;
}

TEST(AttentionRolloutTest, DiscardBreaksTiesByLowerRowMajorIndex) {
  // 3 x 3, entries 0.1 everywhere except two 0.5: k = 3 of the 0.1s go, the
  // first three in row-major order (column 0 allowed: no class token).
  std::vector<float> a = {0.1f, 0.5f, 0.1f, 0.1f, 0.1f, 0.1f, 0.5f, 0.1f, 0.1f};
  DiscardSmallest(a.data(), 3, /*k=*/3, /*spare_column0=*/false);
  EXPECT_EQ(a, (std::vector<float>{0.0f, 0.5f, 0.0f, 0.0f, 0.1f, 0.1f, 0.5f, 0.1f, 0.1f}));
}

TEST(AttentionRolloutTest, DiscardSparesColumnZeroWithAClassToken) {
  std::vector<float> a = {0.0f, 0.2f, 0.3f, 0.1f, 0.4f, 0.5f, 0.05f, 0.6f, 0.7f};
  DiscardSmallest(a.data(), 3, /*k=*/2, /*spare_column0=*/true);
  // Outside column 0 the smallest are 0.2 (index 1) and 0.3 (index 2).
  EXPECT_EQ(a, (std::vector<float>{0.0f, 0.0f, 0.0f, 0.1f, 0.4f, 0.5f, 0.05f, 0.6f, 0.7f}));
  std::vector<float> b = {1, 1, 1, 1};
  DiscardSmallest(b.data(), 2, /*k=*/10, /*spare_column0=*/true);  // capped at 2 candidates
  EXPECT_EQ(b, (std::vector<float>{1, 0, 1, 0}));
}

TEST(AttentionRolloutTest, AttentionMethodIsTheClassRowOfTheLastBlock) {
  // depth 2, class token + 2 patches (grid 1 x 2). Block 0 is ignored.
  const std::vector<float> attention = {
      1,    0,    0,    0,    1,    0,    0, 0, 1,  // block 0
      0.2f, 0.3f, 0.5f, 0.1f, 0.1f, 0.8f, 0, 1, 0   // block 1
  };
  auto heatmap =
      ComputeHeatmap(attention.data(), Geometry(2, 1, true, 1, 2), Spec(ExplainMethod::kAttention));
  ASSERT_TRUE(heatmap.ok()) << heatmap.status().ToString();
  EXPECT_EQ(heatmap->grid_height, 1);
  EXPECT_EQ(heatmap->grid_width, 2);
  ExpectValues(*heatmap, {0.3f / 0.5f, 1.0f});
}

TEST(AttentionRolloutTest, RolloutAddsTheResidualAndMultipliesLastBlockFirst) {
  // Block 1 (last): every row attends to token 1 only; block 0: every row to
  // token 2 only. Â_1 = 0.5 A_1 + 0.5 I (rows already sum to 1):
  //   class row of Â_1 = [0.5, 0.5, 0]. v Â_0 with Â_0 rows r: 0.5 e_r + 0.5 e_2:
  //   0.5 * [0.5, 0, 0.5] + 0.5 * [0, 0.5, 0.5] = [0.25, 0.25, 0.5].
  // Patches [0.25, 0.5] / 0.5 = [0.5, 1].
  const std::vector<float> attention = {
      0, 0, 1, 0, 0, 1, 0, 0, 1,  // block 0
      0, 1, 0, 0, 1, 0, 0, 1, 0,  // block 1
  };
  auto heatmap =
      ComputeHeatmap(attention.data(), Geometry(2, 1, true, 1, 2), Spec(ExplainMethod::kRollout));
  ASSERT_TRUE(heatmap.ok()) << heatmap.status().ToString();
  ExpectValues(*heatmap, {0.5f, 1.0f});
}

TEST(AttentionRolloutTest, RolloutNormalizesRowsAfterTheDiscard) {
  // One block, class token + 2 patches; T^2 = 9, ratio 0.25 -> k = 2 of the
  // 6 entries outside column 0: the two smallest there, 0.1 at (0, 1) and
  // 0.1 at (1, 2) (ties by index: (0, 1) = 1 before (1, 2) = 5; 0.2 stays).
  // Class row after: [0.5, 0, 0.4] -> 0.5 A + 0.5 I = [0.75, 0, 0.2],
  // normalized [0.789.., 0, 0.2105..]; patches [0, 0.2105] / 0.2105 = [0, 1].
  const std::vector<float> attention = {0.5f, 0.1f, 0.4f, 0.3f, 0.6f, 0.1f, 0.2f, 0.2f, 0.6f};
  auto heatmap = ComputeHeatmap(attention.data(), Geometry(1, 1, true, 1, 2),
                                Spec(ExplainMethod::kRollout, 0.25f));
  ASSERT_TRUE(heatmap.ok()) << heatmap.status().ToString();
  ExpectValues(*heatmap, {0.0f, 1.0f});
}

TEST(AttentionRolloutTest, WithoutAClassTokenTheMeanOfThePatchRowsIsExplained) {
  // No prefix, 2 x 2 patches, one block, method attention: the mean of the 4
  // rows is [0.4, 0.3, 0.2, 0.1] -> divided by 0.4.
  const std::vector<float> attention = {0.7f, 0.1f, 0.1f, 0.1f, 0.1f, 0.7f, 0.1f, 0.1f,
                                        0.4f, 0.2f, 0.2f, 0.2f, 0.4f, 0.2f, 0.4f, 0.0f};
  auto heatmap = ComputeHeatmap(attention.data(), Geometry(1, 0, false, 2, 2),
                                Spec(ExplainMethod::kAttention));
  ASSERT_TRUE(heatmap.ok()) << heatmap.status().ToString();
  ExpectValues(*heatmap, {1.0f, 0.75f, 0.5f, 0.25f});
}

TEST(AttentionRolloutTest, RegisterTokensAreDroppedFromTheColumns) {
  // Class token + 1 register + 2 patches, attention method: the class row
  // [0.1, 0.6, 0.1, 0.2] -> patches [0.1, 0.2] / 0.2.
  std::vector<float> attention(16, 0.25f);
  attention[0] = 0.1f;
  attention[1] = 0.6f;
  attention[2] = 0.1f;
  attention[3] = 0.2f;
  auto heatmap =
      ComputeHeatmap(attention.data(), Geometry(1, 2, true, 1, 2), Spec(ExplainMethod::kAttention));
  ASSERT_TRUE(heatmap.ok()) << heatmap.status().ToString();
  ExpectValues(*heatmap, {0.5f, 1.0f});
}

TEST(AttentionRolloutTest, InconsistentGeometryIsInvalidArgument) {
  std::vector<float> attention(9, 0.0f);
  AttentionGeometry g = Geometry(1, 1, true, 1, 2);
  g.num_tokens = 4;
  auto heatmap = ComputeHeatmap(attention.data(), g, Spec(ExplainMethod::kRollout));
  EXPECT_EQ(heatmap.status().code(), StatusCode::kInvalidArgument);
}

TEST(AttentionRolloutTest, FuseHeadsMeanMaxMin) {
  const std::vector<float> probs = {0.2f, 0.8f, 0.6f, 0.4f};  // 2 heads of 1 x 2
  std::vector<float> out(2);
  FuseHeads(HeadFusion::kMean, probs.data(), 2, 2, out.data());
  EXPECT_NEAR(out[0], 0.4f, 1e-7);
  EXPECT_NEAR(out[1], 0.6f, 1e-7);
  FuseHeads(HeadFusion::kMax, probs.data(), 2, 2, out.data());
  EXPECT_EQ(out, (std::vector<float>{0.6f, 0.8f}));
  FuseHeads(HeadFusion::kMin, probs.data(), 2, 2, out.data());
  EXPECT_EQ(out, (std::vector<float>{0.2f, 0.4f}));
}

}  // namespace
}  // namespace vit
