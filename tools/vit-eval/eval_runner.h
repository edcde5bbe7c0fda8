// Runs a model over labelled images in batches and fills a confusion matrix,
// timing the model calls apart from decoding and preprocessing.
#pragma once

#include <cstdint>
#include <string>

#include "common/status.h"
#include "model/inference_engine.h"
#include "training/evaluation.h"

namespace vit::eval {

struct EvalOptions {
  /// Model folder; empty = the embedded default model (DefaultModelDir()).
  std::string model_dir;
  /// IDX folder or folder-per-class image tree.
  std::string data_dir;
  /// IDX split prefix. Default "t10k" (the test set).
  std::string split = "t10k";
  /// Images per model call. Default 64.
  int batch_size = 64;
  /// Dtype, threads and backend of the engine.
  EngineOptions engine;
  /// Score only the first N images; 0 = all.
  int64_t limit = 0;
};

struct EvalReport {
  training::ConfusionMatrix matrix{{}};
  std::string model_path;
  std::string dtype;
  /// Seconds inside the model calls only, and for the whole loop (incl. preprocessing).
  double model_seconds = 0;
  double total_seconds = 0;
};

StatusOr<EvalReport> Evaluate(const EvalOptions& options);

}  // namespace vit::eval
