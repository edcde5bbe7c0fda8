// The path of one request through the server: decode + preprocess on the
// worker pool, dynamic batching in the model's queue, one model run per batch
// on the executor's thread, softmax / top-k. Every submitted request is
// completed exactly once. The worker pool and the executor may be shared by
// the pipelines of several models (one CPU budget: server/batch_executor.h).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/attention_capture.h"
#include "common/explanation.h"
#include "common/status.h"
#include "common/top_k.h"
#include "server/batch_executor.h"
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
  /// The model's name in the repository and the served version's number,
  /// for responses, metrics and logs; "" = the model's id, "1". Default "".
  std::string model_name;
  std::string model_version;
  /// The model's own default top-k (vit-serve.json); 0 = the server's
  /// --default-top-k. Default 0.
  int default_top_k = 0;
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
  /// Set by the front door when its client cancels (nullptr = never): a
  /// request still waiting for preprocessing or for its batch is then
  /// dropped (UNAVAILABLE) before it is decoded or computed. After setting
  /// it, call InferencePipeline::WakeForCancellation() so that a request
  /// waiting for its batch is answered at once.
  std::shared_ptr<const std::atomic<bool>> cancelled;
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

/// What the pipelines of every served model share: one executor computes
/// batches (one model at a time), one worker pool preprocesses.
struct SharedResources {
  BatchExecutor* executor = nullptr;
  WorkerPool* workers = nullptr;
};

class InferencePipeline {
 public:
  /// A pipeline with workers (options.preprocess_threads) and an executor of
  /// its own: a server of one model, and tests. Warms the model up
  /// (options.warmup_batches) before returning. `backend`, `preprocessor`
  /// and `metrics` (nullable) must outlive the pipeline.
  static StatusOr<std::unique_ptr<InferencePipeline>> Create(const PipelineOptions& options,
                                                             ModelBackend* backend,
                                                             const Preprocessor* preprocessor,
                                                             Metrics* metrics);
  /// The same on `shared` workers and executor (which must outlive the
  /// pipeline); options.preprocess_threads is then unused, and the warm-up
  /// batches run on the executor between other models' batches.
  static StatusOr<std::unique_ptr<InferencePipeline>> Create(const PipelineOptions& options,
                                                             ModelBackend* backend,
                                                             const Preprocessor* preprocessor,
                                                             Metrics* metrics,
                                                             SharedResources shared);
  ~InferencePipeline();  // Stop()
  InferencePipeline(const InferencePipeline&) = delete;
  InferencePipeline& operator=(const InferencePipeline&) = delete;

  /// Never blocks on work. RESOURCE_EXHAUSTED when a queue is full,
  /// UNAVAILABLE after Stop(); errors may be reported inline.
  void Submit(InferenceRequest request, InferenceCallback done);

  /// Refuses new requests and completes every accepted one (computed, or
  /// UNAVAILABLE when `drain` is false). Idempotent; a Stop(false) during a
  /// Stop(true) cancels what is still queued. Not from the executor thread.
  void Stop(bool drain);
  /// Lets the executor drop cancelled requests now (see InferenceRequest).
  void WakeForCancellation() { executor_->Wake(); }

  const ModelInfo& model_info() const { return backend_->info(); }
  /// The name requests use for the model and responses report: the
  /// repository's model name (PipelineOptions::model_name), or the model's
  /// id for a pipeline made outside a repository.
  const std::string& served_name() const;
  /// The served version: the repository's version folder, "1" outside one.
  const std::string& served_version() const;
  /// The preprocessor's byte limit: larger images are refused before queuing.
  size_t max_image_bytes() const { return preprocessor_->max_image_bytes(); }
  const PipelineOptions& options() const { return options_; }
  Clock* clock() const { return clock_; }
  /// The model's statistics (calls are recorded by the front doors, model
  /// runs by the pipeline).
  ModelStatistics& statistics() { return statistics_; }
  /// This model's requests waiting for (or in) preprocessing.
  size_t NumPreprocessQueued() const;
  size_t NumBatchQueued() const;

 private:
  struct Task;
  InferencePipeline(const PipelineOptions& options, ModelBackend* backend,
                    const Preprocessor* preprocessor, Metrics* metrics, SharedResources shared);
  Status WarmUp();
  // A worker's job: preprocesses `task`, or fails it with `refused` (the
  // worker pool refused the job) or when stopping without drain.
  void Preprocess(std::unique_ptr<Task> task, const Status& refused = Status::Ok());
  // Preprocess() without the bookkeeping of preprocessing_.
  void PreprocessTask(std::unique_ptr<Task> task);
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
  // Set when the pipeline has resources of its own (the first Create());
  // declared before the pointers below and the queue, destroyed after them.
  std::unique_ptr<WorkerPool> owned_workers_;
  std::unique_ptr<BatchExecutor> owned_executor_;
  WorkerPool* const workers_;
  BatchExecutor* const executor_;
  std::shared_ptr<BatchQueue> queue_;
  mutable std::mutex mu_;         // guards the three fields below
  std::condition_variable idle_;  // signalled when preprocessing_ drops to 0
  int preprocessing_ = 0;         // this pipeline's jobs on the worker pool
  int rendering_ = 0;             // its overlay jobs there (Stop() waits for both)
  bool stopping_ = false;
  bool drain_ = true;  // false once a Stop(false) began
  // Batch buffers, touched by the executor thread only.
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
