#include "model/topk.h"

#include <algorithm>

#include "common/top_k.h"

namespace vit {

std::vector<Prediction> TopK(const float* logits, int num_classes, int k,
                             const std::vector<std::string>& labels) {
  if (num_classes <= 0) return {};
  std::vector<Prediction> out;
  for (const ClassScore& score : TopKSoftmax(logits, num_classes, std::clamp(k, 1, num_classes))) {
    const int c = score.class_index;
    out.push_back({c,
                   c < static_cast<int>(labels.size()) ? labels[c] : "class_" + std::to_string(c),
                   score.probability});
  }
  return out;
}

}  // namespace vit
