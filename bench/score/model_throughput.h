// Model-only throughput: InferenceEngine::Run on random tokens, no decoding,
// no preprocessing, no output; the ceiling vit-score is measured against.
#pragma once

#include <string>

#include "common/status.h"
#include "model/inference_engine.h"

namespace vit::bench {

struct ThroughputOptions {
  std::string model_dir;  // "" = the embedded default model
  EngineOptions engine;
  int batch_size = 32;
  /// Images to time (after one warm-up batch). Default 1000.
  int images = 1000;
};

/// Images per second.
StatusOr<double> MeasureModelThroughput(const ThroughputOptions& options);

}  // namespace vit::bench
