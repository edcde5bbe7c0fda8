// The k most probable classes of one row of logits: the one top-k softmax of
// the server, the folder scorer and the tools.
#pragma once

#include <vector>

namespace vit {

struct ClassScore {
  int class_index = 0;
  float probability = 0.0f;
};

/// Softmax over `logits[0..num_classes)` into `probabilities`, computed
/// exactly as TopKSoftmax computes its probabilities.
void Softmax(const float* logits, int num_classes, float* probabilities);

/// Softmax over `logits[0..num_classes)` (in double, shifted by the maximum),
/// then the `k` largest, best first; equal logits keep the lower class index
/// first, so results are reproducible. `k` is clamped to [0, num_classes].
std::vector<ClassScore> TopKSoftmax(const float* logits, int num_classes, int k);

}  // namespace vit
