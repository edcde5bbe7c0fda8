// Top-k predictions with labels and softmax probabilities.
#pragma once

#include <string>
#include <vector>

namespace vit {

struct Prediction {
  int index = 0;
  std::string label;
  float probability = 0.0f;
};

/// TopKSoftmax (common/top_k.h) with labels: the k most probable classes, most
/// probable first, ties by lower index; k is clamped to [1, num_classes].
std::vector<Prediction> TopK(const float* logits, int num_classes, int k,
                             const std::vector<std::string>& labels);

}  // namespace vit
