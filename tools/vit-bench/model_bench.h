// Model-only throughput and latency of InferenceEngine::Run: random tokens,
// warm-up, then the median of repeated timed runs per configuration.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "common/status.h"
#include "model/inference_engine.h"

namespace vit::tools {

struct BenchOptions {
  /// Presets (see presets.h) or model folders.
  std::vector<std::string> models{"vit_base_patch16_224"};
  std::vector<int> batches{1, 8, 32};
  /// auto, fp32, bf16, int8.
  std::vector<std::string> dtypes{"fp32", "bf16"};
  /// Threads and backend of every configuration (its dtype comes from `dtypes`).
  EngineOptions engine;
  /// Untimed runs before timing each configuration.
  int warmup = 2;
  /// Timed runs: at least `runs`, and more until `min_seconds` have passed
  /// (at most 10 * runs).
  int runs = 5;
  double min_seconds = 2.0;
  /// Where presets are written (PresetFolder).
  std::string preset_cache;
  /// Measure oneDNN's matmul ceiling for each dtype that ran (once per run,
  /// same threads, after that dtype's configurations so that their peak RSS
  /// excludes it; see matmul_ceiling.h) and report each configuration's
  /// share of it. Default true.
  bool ceiling = true;
};

struct BenchResult {
  std::string model;
  std::string dtype;    // what ran: fp32 or bf16
  std::string backend;  // fast or reference
  int batch = 0;
  int threads = 0;
  int runs = 0;
  double median_ms = 0, min_ms = 0, max_ms = 0;
  double images_per_s = 0;  // batch / median
  double load_s = 0;        // InferenceEngine::Load
  /// Process start to the end of this process's first Run (load included).
  double first_result_s = 0;
  double peak_rss_mib = 0;  // process peak so far
  /// Matmul GFLOP per image (model_flops.h) and what this configuration
  /// achieved of them, GFLOP/s.
  double gflop_per_image = 0, gflops = 0;
  /// oneDNN's square-matmul GFLOP/s for this dtype in this run (0: not
  /// measured) and gflops / ceiling_gflops.
  double ceiling_gflops = 0, ceiling_share = 0;
};

/// Runs every model x dtype x batch; calls `report` for each configuration
/// once all batch sizes of its model x dtype have run.
Status RunBenchmarks(const BenchOptions& options,
                     const std::function<void(const BenchResult&)>& report);

/// One aligned table row (and the header when `header`).
std::string FormatRow(const BenchResult& r, bool header);
/// One JSON object, one line.
std::string FormatJson(const BenchResult& r);

}  // namespace vit::tools
