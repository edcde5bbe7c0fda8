#include "common/attention_rollout.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

namespace vit {
namespace {

// v <- v A (v a row vector of length T, A row-major T x T), in double.
void MultiplyRow(const std::vector<double>& v, const float* a, int t, std::vector<double>* out) {
  out->assign(static_cast<size_t>(t), 0.0);
  for (int r = 0; r < t; ++r) {
    const double vr = v[r];
    if (vr == 0.0) continue;
    const float* row = a + static_cast<size_t>(r) * t;
    for (int c = 0; c < t; ++c) (*out)[c] += vr * row[c];
  }
}

// a <- rows-normalized (0.5 a + 0.5 I).
void AddResidualAndNormalize(float* a, int t) {
  for (int r = 0; r < t; ++r) {
    float* row = a + static_cast<size_t>(r) * t;
    double sum = 0.0;
    for (int c = 0; c < t; ++c) {
      row[c] = 0.5f * row[c] + (c == r ? 0.5f : 0.0f);
      sum += row[c];
    }
    const double inv = sum > 0.0 ? 1.0 / sum : 0.0;
    for (int c = 0; c < t; ++c) row[c] = static_cast<float>(row[c] * inv);
  }
}

// The row vector whose product with R is explained: e_0 with a class token,
// else the mean of the patch rows.
std::vector<double> StartRow(const AttentionGeometry& g) {
  std::vector<double> v(static_cast<size_t>(g.num_tokens), 0.0);
  if (g.has_class_token) {
    v[0] = 1.0;
    return v;
  }
  const int patches = g.num_tokens - g.num_prefix_tokens;
  for (int i = g.num_prefix_tokens; i < g.num_tokens; ++i) v[i] = 1.0 / patches;
  return v;
}

}  // namespace

Status ValidateAttentionGeometry(const AttentionGeometry& g) {
  if (g.depth < 1 || g.grid_height < 1 || g.grid_width < 1 || g.num_prefix_tokens < 0 ||
      g.num_tokens != g.num_prefix_tokens + g.grid_height * g.grid_width ||
      (g.has_class_token && g.num_prefix_tokens < 1)) {
    return InvalidArgumentError(
        "attention geometry is inconsistent: depth " + std::to_string(g.depth) + ", tokens " +
        std::to_string(g.num_tokens) + ", prefix tokens " + std::to_string(g.num_prefix_tokens) +
        ", grid " + std::to_string(g.grid_height) + "x" + std::to_string(g.grid_width));
  }
  return Status::Ok();
}

void DiscardSmallest(float* a, int tokens, long long k, bool spare_column0) {
  const size_t total = static_cast<size_t>(tokens) * tokens;
  std::vector<uint32_t> candidates;
  candidates.reserve(total);
  for (size_t i = 0; i < total; ++i) {
    if (spare_column0 && i % tokens == 0) continue;
    candidates.push_back(static_cast<uint32_t>(i));
  }
  const size_t count = std::min<size_t>(static_cast<size_t>(std::max(0LL, k)), candidates.size());
  if (count == 0) return;
  // A strict total order: by value, then by row-major index.
  auto smaller = [a](uint32_t x, uint32_t y) { return a[x] < a[y] || (a[x] == a[y] && x < y); };
  std::nth_element(candidates.begin(), candidates.begin() + (count - 1), candidates.end(), smaller);
  for (size_t i = 0; i < count; ++i) a[candidates[i]] = 0.0f;
}

StatusOr<Heatmap> ComputeHeatmap(const float* attention, const AttentionGeometry& g,
                                 const ExplainSpec& spec) {
  VIT_RETURN_IF_ERROR(ValidateAttentionGeometry(g));
  if (!(spec.discard_ratio >= 0.0f && spec.discard_ratio < 1.0f))
    return InvalidArgumentError("discard_ratio " + std::to_string(spec.discard_ratio) +
                                " is outside [0, 1)");
  const int t = g.num_tokens;
  const size_t tt = static_cast<size_t>(t) * t;
  const long long k =
      static_cast<long long>(std::floor(static_cast<double>(spec.discard_ratio) * t * t));
  const bool rollout = spec.method == ExplainMethod::kRollout;
  std::vector<double> v = StartRow(g), next;
  std::vector<float> block(tt);
  // v R = ((v Â_L) Â_{L-1}) ... Â_1: the last block first.
  const int first = rollout ? 0 : g.depth - 1;
  for (int l = g.depth - 1; l >= first; --l) {
    std::copy(attention + l * tt, attention + (l + 1) * tt, block.begin());
    DiscardSmallest(block.data(), t, k, g.has_class_token);
    if (rollout) AddResidualAndNormalize(block.data(), t);
    MultiplyRow(v, block.data(), t, &next);
    v.swap(next);
  }
  Heatmap heatmap;
  heatmap.grid_height = g.grid_height;
  heatmap.grid_width = g.grid_width;
  const double peak = *std::max_element(v.begin() + g.num_prefix_tokens, v.end());
  heatmap.values.reserve(static_cast<size_t>(t - g.num_prefix_tokens));
  for (int c = g.num_prefix_tokens; c < t; ++c)
    heatmap.values.push_back(peak > 0.0 ? static_cast<float>(v[c] / peak) : 0.0f);
  return heatmap;
}

}  // namespace vit
