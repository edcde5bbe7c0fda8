#include "training/evaluation.h"

#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

namespace vit::training {

ConfusionMatrix::ConfusionMatrix(std::vector<std::string> labels)
    : labels_(std::move(labels)), counts_(labels_.size() * labels_.size(), 0) {}

void ConfusionMatrix::Add(int truth, int predicted) {
  if (truth < 0 || truth >= num_classes() || predicted < 0 || predicted >= num_classes())
    throw std::out_of_range("ConfusionMatrix::Add: class out of range");
  ++counts_[truth * num_classes() + predicted];
  ++images_;
  if (truth == predicted) ++correct_;
}

double ConfusionMatrix::accuracy() const {
  return images_ == 0 ? 0.0 : static_cast<double>(correct_) / static_cast<double>(images_);
}

int64_t ConfusionMatrix::ClassImages(int truth) const {
  int64_t total = 0;
  for (int p = 0; p < num_classes(); ++p) total += count(truth, p);
  return total;
}

double ConfusionMatrix::ClassAccuracy(int truth) const {
  const int64_t total = ClassImages(truth);
  return total == 0 ? 0.0 : static_cast<double>(count(truth, truth)) / static_cast<double>(total);
}

std::string ConfusionMatrix::ToText() const {
  std::ostringstream out;
  char line[256];
  std::snprintf(line, sizeof(line), "top-1 accuracy: %.2f%% (%ld/%ld)\n", 100.0 * accuracy(),
                static_cast<long>(correct_), static_cast<long>(images_));
  out << line << "\nper-class accuracy:\n";
  size_t width = 5;
  for (const auto& label : labels_) width = std::max(width, label.size());
  for (int c = 0; c < num_classes(); ++c) {
    std::snprintf(line, sizeof(line), "  %-*s %7.2f%%  (%ld images)\n", static_cast<int>(width),
                  labels_[c].c_str(), 100.0 * ClassAccuracy(c), static_cast<long>(ClassImages(c)));
    out << line;
  }
  out << "\nconfusion matrix (rows = true class, columns = predicted class index):\n";
  std::snprintf(line, sizeof(line), "  %-*s", static_cast<int>(width), "");
  out << line;
  for (int p = 0; p < num_classes(); ++p) {
    std::snprintf(line, sizeof(line), " %5d", p);
    out << line;
  }
  out << "\n";
  for (int t = 0; t < num_classes(); ++t) {
    std::snprintf(line, sizeof(line), "  %-*s", static_cast<int>(width), labels_[t].c_str());
    out << line;
    for (int p = 0; p < num_classes(); ++p) {
      std::snprintf(line, sizeof(line), " %5ld", static_cast<long>(count(t, p)));
      out << line;
    }
    out << "   [" << t << "]\n";
  }
  return out.str();
}

std::string ConfusionMatrix::ToJson(double seconds, double images_per_second,
                                    double model_images_per_second, int batch_size,
                                    const std::string& dtype) const {
  nlohmann::ordered_json json;
  json["accuracy"] = accuracy();
  json["images"] = images_;
  json["correct"] = correct_;
  json["seconds"] = seconds;
  json["images_per_second"] = images_per_second;
  json["model_images_per_second"] = model_images_per_second;
  json["batch_size"] = batch_size;
  json["dtype"] = dtype;
  json["labels"] = labels_;
  auto per_class = nlohmann::ordered_json::array();
  for (int c = 0; c < num_classes(); ++c)
    per_class.push_back(
        {{"label", labels_[c]}, {"images", ClassImages(c)}, {"accuracy", ClassAccuracy(c)}});
  json["per_class"] = per_class;
  auto matrix = nlohmann::ordered_json::array();
  for (int t = 0; t < num_classes(); ++t) {
    auto row = nlohmann::ordered_json::array();
    for (int p = 0; p < num_classes(); ++p) row.push_back(count(t, p));
    matrix.push_back(row);
  }
  json["confusion"] = matrix;
  return json.dump();
}

}  // namespace vit::training
