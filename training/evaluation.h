// Classification metrics for vit-eval: a confusion matrix with top-1 accuracy,
// per-class accuracy, and its text and JSON reports.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace vit::training {

class ConfusionMatrix {
 public:
  explicit ConfusionMatrix(std::vector<std::string> labels);

  /// Counts one image of class `truth` predicted as `predicted` (both < num_classes).
  void Add(int truth, int predicted);

  int num_classes() const { return static_cast<int>(labels_.size()); }
  const std::vector<std::string>& labels() const { return labels_; }
  int64_t images() const { return images_; }
  int64_t correct() const { return correct_; }
  /// Fraction correct in [0, 1]; 0 when empty.
  double accuracy() const;
  /// Rows = true class, columns = predicted class.
  int64_t count(int truth, int predicted) const {
    return counts_[truth * num_classes() + predicted];
  }
  /// Fraction of class `truth` predicted correctly; 0 when the class has no images.
  double ClassAccuracy(int truth) const;
  int64_t ClassImages(int truth) const;

  /// Accuracy, per-class accuracy and the matrix as aligned text.
  std::string ToText() const;
  /// {"accuracy", "images", "correct", "per_class": [{label, images, accuracy}], "confusion"}.
  std::string ToJson(double seconds, double images_per_second, double model_images_per_second,
                     int batch_size, const std::string& dtype) const;

 private:
  std::vector<std::string> labels_;
  std::vector<int64_t> counts_;
  int64_t images_ = 0;
  int64_t correct_ = 0;
};

}  // namespace vit::training
