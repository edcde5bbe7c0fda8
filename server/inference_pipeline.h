// The path of one request through the server: decode + preprocess on the
// worker pool, dynamic batching, one model run per batch on the batching
// thread, softmax / top-k. Every submitted request is completed exactly once.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/attention_capture.h"
#include "common/explanation.h"
#include "common/status.h"
#include "common/top_k.h"
#include "server/batch_scheduler.h"
#include "server/model_backend.h"
#include "server/model_statistics.h"
#include "server/worker_pool.h"

namespace vit::server {

class Metrics;

struct PipelineOptions {
  /// Dynamic batching; its max_queue_size also bounds the preprocessing queue.
  BatchSchedulerOptions batching;
  /// Decode / preprocess worker threads; >= 1. Default 2.
  int preprocess_threads = 2;
  /// Batches of max_batch_size blank images run through the model in
  /// Create(), before any request (first-run allocations, kernel choice).
  /// Default 1.
  int warmup_batches = 1;
};

struct InferenceRequest {
  /// Encoded image; must stay valid until the callback runs. Point it into
  /// `owned_image` to hand the bytes over instead.
  std::string_view image;
  std::string owned_image;
  /// Instead of an image: pixels already preprocessed (resized, cropped,
  /// normalized), channels x height x width of the model's input size
  /// (checked by the caller). Not decoded; only cut into patch tokens.
  std::vector<float> pixels;
  /// Predictions wanted (already validated: 1 .. num_classes); 0 = none.
  int top_k = 0;
  /// Return all num_classes logits.
  bool want_logits = false;
  /// Return the pooled features.
  bool want_features = false;
  /// Absolute deadline on the pipeline's clock (microseconds); 0 = none.
  int64_t deadline_micros = 0;
  /// Explain: capture this image's attention during the batch and compute
  /// the heat map (already validated, e.g. by ParseExplainSpec).
  std::optional<ExplainSpec> explain;
  /// With `explain` and an encoded image: also blend the heat map over the
  /// image (PNG), rendered on a preprocessing worker after the batch. The
  /// encoded bytes are kept until then.
  bool want_overlay = false;
};

struct InferenceResult {
  std::vector<ClassScore> top_k;  // best first
  std::vector<float> logits;      // when asked for
  std::vector<float> features;    // when asked for
  Heatmap heatmap;                // with InferenceRequest::explain
  std::string overlay_png;        // with InferenceRequest::want_overlay
  int64_t queue_us = 0;
  int64_t preprocess_us = 0;
  int64_t inference_us = 0;
  int64_t total_us = 0;
  int batch_size = 0;
};

/// Called exactly once per request, on a worker, the batching thread, or the
/// submitting thread (for immediate rejections). `result` is valid on OK.
using InferenceCallback = std::function<void(const Status& status, InferenceResult result)>;

class InferencePipeline {
 public:
  /// Starts the workers and the batching thread; warms the model up first
  /// when options.warm_up. `backend`, `preprocessor` and `metrics` (nullable)
  /// must outlive the pipeline.
  static StatusOr<std::unique_ptr<InferencePipeline>> Create(const PipelineOptions& options,
                                                             ModelBackend* backend,
                                                             const Preprocessor* preprocessor,
                                                             Metrics* metrics);
  ~InferencePipeline();  // Stop()
  InferencePipeline(const InferencePipeline&) = delete;
  InferencePipeline& operator=(const InferencePipeline&) = delete;

  /// Never blocks on work. RESOURCE_EXHAUSTED when a queue is full,
  /// UNAVAILABLE after Stop(); errors may be reported inline.
  void Submit(InferenceRequest request, InferenceCallback done);

  /// Refuses new requests and completes every accepted one (computed, or
  /// UNAVAILABLE when `drain` is false). Idempotent.
  void Stop(bool drain);

  const ModelInfo& model_info() const { return backend_->info(); }
  /// The preprocessor's byte limit: larger images are refused before queuing.
  size_t max_image_bytes() const { return preprocessor_->max_image_bytes(); }
  const PipelineOptions& options() const { return options_; }
  Clock* clock() const { return clock_; }
  /// The model's statistics (calls are recorded by the front doors, model
  /// runs by the pipeline).
  ModelStatistics& statistics() { return statistics_; }
  size_t NumPreprocessQueued() const { return workers_.NumQueuedJobs(); }
  size_t NumBatchQueued() const;

 private:
  struct Task;
  InferencePipeline(const PipelineOptions& options, ModelBackend* backend,
                    const Preprocessor* preprocessor, Metrics* metrics);
  Status WarmUp();
  void Preprocess(std::unique_ptr<Task> task);
  // pixel_values (C x H x W of the model's input size) to patch tokens.
  Status PixelsToTokens(const std::vector<float>& pixels, float* tokens) const;
  void RunBatch(std::vector<std::unique_ptr<Task>> batch);
  // The model run of a batch of `n`, with an attention capture when any task
  // asked for an explanation (`capture` then set up here).
  Status RunModel(const std::vector<std::unique_ptr<Task>>& batch, bool want_logits,
                  bool want_features);
  // Fills result.heatmap from the captured attention of image `index`.
  Status Explain(const ExplainSpec& spec, int index, InferenceResult* result) const;
  // Hands the task to a worker to render its overlay and finish it (renders
  // inline when the pool refuses: shutting down or full).
  void FinishWithOverlay(std::unique_ptr<Task> task, InferenceResult result);
  void RenderOverlayAndFinish(Task* task, InferenceResult* result) const;

  const PipelineOptions options_;
  ModelBackend* const backend_;
  const Preprocessor* const preprocessor_;
  Metrics* const metrics_;
  Clock* const clock_;
  ModelStatistics statistics_;
  WorkerPool workers_;
  std::unique_ptr<BatchScheduler<Task>> scheduler_;
  // Batch buffers, touched by the batching thread only.
  std::vector<float> batch_tokens_;
  std::vector<float> batch_logits_;
  std::vector<float> batch_features_;
  AttentionCapture capture_;
  std::vector<float> batch_attention_;  // [batch, depth, T, T] when a task explains
};

/// The status a request gets for a preprocessing failure: INVALID_ARGUMENT
/// for anything wrong with the image itself, other codes unchanged.
Status ImageError(const Status& status);

}  // namespace vit::server
