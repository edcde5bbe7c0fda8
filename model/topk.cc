#include "model/topk.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace vit {

std::vector<Prediction> TopK(const float* logits, int num_classes, int k,
                             const std::vector<std::string>& labels) {
  if (num_classes <= 0) return {};
  k = std::clamp(k, 1, num_classes);
  const float max_logit = *std::max_element(logits, logits + num_classes);
  std::vector<double> prob(num_classes);
  double sum = 0.0;
  for (int i = 0; i < num_classes; ++i)
    sum += prob[i] = std::exp(static_cast<double>(logits[i]) - max_logit);
  std::vector<int> order(num_classes);
  std::iota(order.begin(), order.end(), 0);
  std::partial_sort(order.begin(), order.begin() + k, order.end(),
                    [&](int a, int b) { return prob[a] != prob[b] ? prob[a] > prob[b] : a < b; });
  std::vector<Prediction> out;
  out.reserve(k);
  for (int i = 0; i < k; ++i) {
    const int c = order[i];
    out.push_back({c,
                   c < static_cast<int>(labels.size()) ? labels[c] : "class_" + std::to_string(c),
                   static_cast<float>(prob[c] / sum)});
  }
  return out;
}

}  // namespace vit
