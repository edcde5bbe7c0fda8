// Attention rollout (Abnar & Zuidema 2020) and last-block attention as a heat
// map over the patch grid, from the head-fused attention an engine captured
// (common/attention_capture.h). Pure C++: the server runs it after a batch.
#pragma once

#include "common/explanation.h"
#include "common/status.h"

namespace vit {

/// The token layout of the attention matrices.
struct AttentionGeometry {
  int depth = 0;
  /// All tokens T = num_prefix_tokens + grid_height * grid_width.
  int num_tokens = 0;
  int num_prefix_tokens = 0;
  /// Token 0 is a class token (its row is explained, and the discard spares
  /// column 0); otherwise the mean of the patch rows is.
  bool has_class_token = false;
  int grid_height = 0;
  int grid_width = 0;
};

/// INVALID_ARGUMENT unless the sizes are positive and consistent.
Status ValidateAttentionGeometry(const AttentionGeometry& geometry);

/// `attention` is one image's [depth, T, T] head-fused attention. For each
/// block l: A_l with the k = floor(discard_ratio * T^2) smallest entries set
/// to 0 (chosen outside column 0 with a class token, among all entries
/// without; ties go to the lower row-major index; k is capped at the number
/// of candidates). "rollout": R = Â_L ... Â_1 with Â = rows-normalized
/// (0.5 A + 0.5 I); "attention": R = A_L (after the discard, no residual).
/// The heat map is the class token's row of R (or the mean of its patch
/// rows) over the patch columns, divided by its maximum (all zeros when the
/// maximum is not positive). Computes one row vector: O(depth * T^2).
StatusOr<Heatmap> ComputeHeatmap(const float* attention, const AttentionGeometry& geometry,
                                 const ExplainSpec& spec);

/// Sets to 0 the `k` smallest entries of the T x T matrix `a` among the
/// candidates (outside column 0 when `spare_column0`); ties by lower
/// row-major index. Exposed for tests.
void DiscardSmallest(float* a, int tokens, long long k, bool spare_column0);

}  // namespace vit
