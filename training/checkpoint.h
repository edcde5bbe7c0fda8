// Resumable training state: model and optimizer (torch::serialize archives),
// the number of finished epochs and steps, LibTorch's CPU generator state and a
// signature of the run's settings, written atomically (temp file + rename).
#pragma once

#include <torch/optim/optimizer.h>

#include <cstdint>
#include <string>

#include "common/status.h"

namespace vit {
class VisionTransformer;  // model/vision_transformer.h
}  // namespace vit

namespace vit::training {

struct TrainingProgress {
  /// Epochs fully completed.
  int64_t epoch = 0;
  /// Optimizer steps taken.
  int64_t step = 0;
  /// Settings that must not change across a resume (architecture, batch, schedule, seed).
  std::string signature;
};

Status SaveTrainingCheckpoint(const std::string& path, VisionTransformer& net,
                              torch::optim::Optimizer& optimizer, const TrainingProgress& progress);

/// Restores net, optimizer and the generator; fails (naming the file) when the
/// file is unreadable or its signature differs from `expected_signature`.
StatusOr<TrainingProgress> LoadTrainingCheckpoint(const std::string& path, VisionTransformer& net,
                                                  torch::optim::Optimizer& optimizer,
                                                  const std::string& expected_signature);

}  // namespace vit::training
