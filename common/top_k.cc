#include "common/top_k.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace vit {

void Softmax(const float* logits, int num_classes, float* probabilities) {
  if (num_classes <= 0) return;
  const float max_logit = *std::max_element(logits, logits + num_classes);
  double sum = 0.0;
  for (int c = 0; c < num_classes; ++c) sum += std::exp(static_cast<double>(logits[c]) - max_logit);
  for (int c = 0; c < num_classes; ++c) {
    probabilities[c] =
        static_cast<float>(std::exp(static_cast<double>(logits[c]) - max_logit) / sum);
  }
}

std::vector<ClassScore> TopKSoftmax(const float* logits, int num_classes, int k) {
  if (num_classes <= 0) return {};
  k = std::clamp(k, 0, num_classes);
  const float max_logit = *std::max_element(logits, logits + num_classes);
  double sum = 0.0;
  for (int c = 0; c < num_classes; ++c) sum += std::exp(static_cast<double>(logits[c]) - max_logit);
  std::vector<int> order(num_classes);
  std::iota(order.begin(), order.end(), 0);
  std::partial_sort(order.begin(), order.begin() + k, order.end(), [logits](int a, int b) {
    return logits[a] > logits[b] || (logits[a] == logits[b] && a < b);
  });
  std::vector<ClassScore> scores(k);
  for (int i = 0; i < k; ++i) {
    scores[i].class_index = order[i];
    scores[i].probability =
        static_cast<float>(std::exp(static_cast<double>(logits[order[i]]) - max_logit) / sum);
  }
  return scores;
}

}  // namespace vit
