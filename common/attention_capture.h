// What a model run captures for explanations: each block's softmax attention
// with its heads fused, for the images of a batch that asked. Shared by the
// engines (model/), which fill it during their forward, and the server,
// which computes the rollout from it (common/attention_rollout.h).
#pragma once

#include <cstddef>
#include <optional>
#include <vector>

#include "common/explanation.h"

namespace vit {

struct AttentionCapture {
  /// One entry per image of the batch: how to fuse its heads, or nullopt for
  /// an image whose attention is not wanted (its slice of `attention` is left
  /// as it was, and nothing is computed for it).
  std::vector<std::optional<HeadFusion>> fusion;
  /// [batch, depth, T, T] float32, T = ModelInfo::num_tokens() (prefix tokens
  /// included): image i's block l at attention + (i * depth + l) * T * T, row
  /// r = the query token, column c = the key token. Owned by the caller.
  float* attention = nullptr;
};

/// Floats an AttentionCapture's buffer needs for `batch` images.
inline size_t AttentionCaptureSize(int batch, int depth, int tokens) {
  return static_cast<size_t>(batch) * depth * tokens * tokens;
}

/// Fuses `heads` attention matrices [heads, tt] (tt = T * T floats each) into
/// `out` [tt]: their mean, elementwise maximum or minimum.
inline void FuseHeads(HeadFusion fusion, const float* probs, int heads, size_t tt, float* out) {
  for (size_t j = 0; j < tt; ++j) out[j] = probs[j];
  for (int h = 1; h < heads; ++h) {
    const float* p = probs + static_cast<size_t>(h) * tt;
    switch (fusion) {
      case HeadFusion::kMean:
        for (size_t j = 0; j < tt; ++j) out[j] += p[j];
        break;
      case HeadFusion::kMax:
        for (size_t j = 0; j < tt; ++j) out[j] = p[j] > out[j] ? p[j] : out[j];
        break;
      case HeadFusion::kMin:
        for (size_t j = 0; j < tt; ++j) out[j] = p[j] < out[j] ? p[j] : out[j];
        break;
    }
  }
  if (fusion == HeadFusion::kMean) {
    const float inv = 1.0f / static_cast<float>(heads);
    for (size_t j = 0; j < tt; ++j) out[j] *= inv;
  }
}

}  // namespace vit
