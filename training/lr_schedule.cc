#include "training/lr_schedule.h"

#include <algorithm>
#include <cmath>

namespace vit::training {

double LearningRateAt(const LrScheduleOptions& options, int64_t step) {
  if (step < options.warmup_steps) {
    const double t = static_cast<double>(step) / static_cast<double>(options.warmup_steps);
    return options.warmup_start_lr + (options.base_lr - options.warmup_start_lr) * t;
  }
  const int64_t decay_steps = std::max<int64_t>(1, options.total_steps - options.warmup_steps - 1);
  const double t = std::min(
      1.0, static_cast<double>(step - options.warmup_steps) / static_cast<double>(decay_steps));
  return options.min_lr + 0.5 * (options.base_lr - options.min_lr) * (1.0 + std::cos(M_PI * t));
}

}  // namespace vit::training
