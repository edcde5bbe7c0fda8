// Learning-rate schedule: linear warmup from warmup_start_lr to base_lr, then a
// half-cosine from base_lr down to min_lr at the last step.
#pragma once

#include <cstdint>

namespace vit::training {

struct LrScheduleOptions {
  /// Peak learning rate reached at the end of warmup. Default 1e-3.
  double base_lr = 1e-3;
  /// Learning rate at the last step. Default 1e-6.
  double min_lr = 1e-6;
  /// Learning rate of step 0 of the warmup. Default 1e-6.
  double warmup_start_lr = 1e-6;
  /// Steps of linear warmup; 0 = none.
  int64_t warmup_steps = 0;
  /// Total steps of training (warmup included).
  int64_t total_steps = 1;
};

/// The learning rate of `step` (0-based); steps past the end return min_lr.
double LearningRateAt(const LrScheduleOptions& options, int64_t step);

}  // namespace vit::training
