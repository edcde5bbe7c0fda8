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
  /// The images are timed in this many rounds; the best round is reported too
  /// (a shared machine's load comes and goes). Default 5.
  int rounds = 5;
};

struct Throughput {
  double images_per_second = 0;
  /// Images per second of process CPU time (user + system) over the timed
  /// loop: comparable across runs on a machine shared with other work.
  double images_per_cpu_second = 0;
  /// The fastest round's images per second.
  double best_round_images_per_second = 0;
};

StatusOr<Throughput> MeasureModelThroughput(const ThroughputOptions& options);

}  // namespace vit::bench
