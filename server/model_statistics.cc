#include "server/model_statistics.h"

#include <chrono>

namespace vit::server {
namespace {

void Add(StatisticDuration* d, int64_t us) {
  ++d->count;
  d->ns += static_cast<uint64_t>(us > 0 ? us : 0) * 1000;
}

uint64_t NowMillisSinceEpoch() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

void ModelStatistics::RecordSuccess(int images, int64_t total_us, int64_t queue_us,
                                    int64_t preprocess_us, int64_t inference_us) {
  const uint64_t now = NowMillisSinceEpoch();
  std::lock_guard<std::mutex> lock(mu_);
  stats_.last_inference_ms = now;
  stats_.inference_count += images;
  Add(&stats_.success, total_us);
  Add(&stats_.queue, queue_us);
  Add(&stats_.compute_input, preprocess_us);
  Add(&stats_.compute_infer, inference_us);
  // What is left of the call's time once queued, preprocessed and computed:
  // softmax, top-k and copying the results out.
  Add(&stats_.compute_output, total_us - queue_us - preprocess_us - inference_us);
}

void ModelStatistics::RecordFailure(int64_t total_us) {
  std::lock_guard<std::mutex> lock(mu_);
  Add(&stats_.fail, total_us);
}

void ModelStatistics::RecordExecution(int batch_size, int64_t input_us, int64_t inference_us,
                                      int64_t output_us) {
  std::lock_guard<std::mutex> lock(mu_);
  ++stats_.execution_count;
  BatchStatistics& batch = stats_.batches[batch_size];
  Add(&batch.compute_input, input_us);
  Add(&batch.compute_infer, inference_us);
  Add(&batch.compute_output, output_us);
}

ModelStatisticsSnapshot ModelStatistics::Snapshot() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

}  // namespace vit::server
