// Per-model inference statistics as Triton defines them (ModelStatistics /
// InferStatistics): per call, success and failure counts with their
// cumulative durations, and the cumulative queue and compute time of the
// successful ones; per model run, execution and batch-size counts.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>

namespace vit::server {

/// A count and a cumulative duration (Triton's StatisticDuration).
struct StatisticDuration {
  uint64_t count = 0;
  uint64_t ns = 0;
};

/// One batch size's runs (Triton's InferBatchStatistics).
struct BatchStatistics {
  StatisticDuration compute_input;
  StatisticDuration compute_infer;
  StatisticDuration compute_output;
};

struct ModelStatisticsSnapshot {
  /// Milliseconds since the epoch of the last successful call; 0 = none yet.
  uint64_t last_inference_ms = 0;
  /// Images computed (a call of batch B counts B).
  uint64_t inference_count = 0;
  /// Model runs (batches) that computed them.
  uint64_t execution_count = 0;
  /// Successful calls and their end-to-end time.
  StatisticDuration success;
  /// Failed calls and their time until the failure.
  StatisticDuration fail;
  /// Of the successful calls: time waiting for a batch.
  StatisticDuration queue;
  /// Decode and preprocessing (Triton's "compute_input").
  StatisticDuration compute_input;
  /// The model run (Triton's "compute_infer").
  StatisticDuration compute_infer;
  /// Softmax, top-k and copying results out (Triton's "compute_output").
  StatisticDuration compute_output;
  /// By batch size.
  std::map<int, BatchStatistics> batches;
};

/// Thread-safe accumulator for one model.
class ModelStatistics {
 public:
  /// One successful call of `images` images; durations in microseconds.
  void RecordSuccess(int images, int64_t total_us, int64_t queue_us, int64_t preprocess_us,
                     int64_t inference_us);
  void RecordFailure(int64_t total_us);
  /// One model run of `batch_size` images: gathering its inputs, the run,
  /// and handing out the results (microseconds).
  void RecordExecution(int batch_size, int64_t input_us, int64_t inference_us, int64_t output_us);
  ModelStatisticsSnapshot Snapshot() const;

 private:
  mutable std::mutex mu_;
  ModelStatisticsSnapshot stats_;
};

}  // namespace vit::server
