#include "server/inference_pipeline.h"

#include <algorithm>
#include <cmath>
#include <exception>

#include "common/attention_rollout.h"
#include "common/patch_tokens.h"
#include "server/metrics.h"

namespace vit::server {

// One request in flight. Its destructor is the scope guard behind the
// exactly-once promise: a task dropped on any path (an exception, a queue
// torn down) still answers its caller, with INTERNAL.
struct InferencePipeline::Task final : BatchTask {
  InferenceRequest request;
  InferenceCallback done;
  Clock* clock = nullptr;
  std::vector<float> tokens;
  int64_t accept_micros = 0;
  int64_t preprocess_us = 0;

  ~Task() override {
    if (done) Fail(InternalError("request dropped without a result (server bug)"));
  }
  void Finish(const Status& status, InferenceResult result) {
    InferenceCallback callback = std::move(done);
    done = nullptr;
    result.total_us = clock->NowMicros() - accept_micros;
    callback(status, std::move(result));
  }
  void Fail(const Status& status) override { Finish(status, InferenceResult()); }
  bool Cancelled() const override {
    return request.cancelled != nullptr && request.cancelled->load(std::memory_order_acquire);
  }
};

InferencePipeline::InferencePipeline(const PipelineOptions& options, ModelBackend* backend,
                                     const Preprocessor* preprocessor, Metrics* metrics,
                                     SharedResources shared)
    : options_(options),
      backend_(backend),
      preprocessor_(preprocessor),
      metrics_(metrics),
      clock_(options.batching.clock != nullptr ? options.batching.clock : SteadyClock::Get()),
      owned_workers_(shared.workers != nullptr
                         ? nullptr
                         : std::make_unique<WorkerPool>(WorkerPoolOptions{
                               options.preprocess_threads, options.batching.max_queue_size})),
      owned_executor_(shared.executor != nullptr ? nullptr
                                                 : std::make_unique<BatchExecutor>(clock_)),
      workers_(shared.workers != nullptr ? shared.workers : owned_workers_.get()),
      executor_(shared.executor != nullptr ? shared.executor : owned_executor_.get()) {}

StatusOr<std::unique_ptr<InferencePipeline>> InferencePipeline::Create(
    const PipelineOptions& options, ModelBackend* backend, const Preprocessor* preprocessor,
    Metrics* metrics) {
  if (options.preprocess_threads < 1) {
    return InvalidArgumentError("preprocess_threads must be >= 1; got " +
                                std::to_string(options.preprocess_threads));
  }
  return Create(options, backend, preprocessor, metrics, SharedResources());
}

StatusOr<std::unique_ptr<InferencePipeline>> InferencePipeline::Create(
    const PipelineOptions& options, ModelBackend* backend, const Preprocessor* preprocessor,
    Metrics* metrics, SharedResources shared) {
  if ((shared.executor == nullptr) != (shared.workers == nullptr))
    return InternalError("shared resources need both an executor and workers");
  const PreprocessSpec& spec = backend->info().preprocess;
  const size_t expected = static_cast<size_t>(spec.num_patches()) * spec.token_dim();
  if (preprocessor->tokens_size() != expected) {
    return InternalError("preprocessor writes " + std::to_string(preprocessor->tokens_size()) +
                         " floats per image; the model expects " + std::to_string(expected));
  }
  VIT_RETURN_IF_ERROR(ValidateBatchSchedulerOptions(options.batching));
  std::unique_ptr<InferencePipeline> pipeline(
      new InferencePipeline(options, backend, preprocessor, metrics, shared));
  InferencePipeline* raw = pipeline.get();
  for (int i = 0; i < options.warmup_batches; ++i)
    VIT_RETURN_IF_ERROR(pipeline->executor_->RunExclusive([raw] { return raw->WarmUp(); }));
  VIT_ASSIGN_OR_RETURN(
      pipeline->queue_,
      pipeline->executor_->AddQueue(options.batching, [raw](BatchQueue::Batch batch) {
        std::vector<std::unique_ptr<Task>> tasks;
        tasks.reserve(batch.size());
        for (auto& task : batch) tasks.emplace_back(static_cast<Task*>(task.release()));
        raw->RunBatch(std::move(tasks));
      }));
  return pipeline;
}

InferencePipeline::~InferencePipeline() { Stop(/*drain=*/false); }

Status InferencePipeline::WarmUp() {
  const ModelInfo& info = backend_->info();
  const int batch = options_.batching.max_batch_size;
  std::vector<float> tokens(batch * preprocessor_->tokens_size(), 0.0f);
  std::vector<float> logits(static_cast<size_t>(batch) * info.num_classes);
  std::vector<float> features(static_cast<size_t>(batch) * info.feature_dim);
  try {
    return backend_->Run(tokens.data(), batch, logits.data(), features.data());
  } catch (const std::exception& e) {
    return InternalError(std::string("warm-up batch failed: ") + e.what());
  }
}

size_t InferencePipeline::NumBatchQueued() const {
  return queue_ != nullptr ? queue_->NumQueuedTasks() : 0;
}

size_t InferencePipeline::NumPreprocessQueued() const {
  std::lock_guard<std::mutex> lock(mu_);
  return static_cast<size_t>(preprocessing_);
}

void InferencePipeline::Submit(InferenceRequest request, InferenceCallback done) {
  auto task = std::make_unique<Task>();
  task->request = std::move(request);
  if (!task->request.owned_image.empty()) task->request.image = task->request.owned_image;
  task->done = std::move(done);
  task->clock = clock_;
  task->accept_micros = clock_->NowMicros();
  task->deadline_micros = task->request.deadline_micros;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) {
      task->Fail(UnavailableError("server is shutting down"));
      return;
    }
    ++preprocessing_;
  }
  // The queued job owns the task; if it is refused, ownership comes back here.
  Task* raw = task.release();
  Status status = workers_->TrySubmit([this, raw] { Preprocess(std::unique_ptr<Task>(raw)); });
  if (!status.ok()) Preprocess(std::unique_ptr<Task>(raw), status);
}

// A bad image is the caller's mistake, whatever the decoder's own code for
// it (DATA_LOSS for a truncated file, UNIMPLEMENTED for an odd format).
Status ImageError(const Status& status) {
  switch (status.code()) {
    case StatusCode::kInvalidArgument:
    case StatusCode::kDataLoss:
    case StatusCode::kUnimplemented:
    case StatusCode::kFailedPrecondition:
    case StatusCode::kNotFound:
      return InvalidArgumentError("invalid image: " + status.message());
    default:
      return status;
  }
}

Status InferencePipeline::PixelsToTokens(const std::vector<float>& pixels, float* tokens) const {
  const PreprocessSpec& spec = backend_->info().preprocess;
  const size_t expected = static_cast<size_t>(spec.channels) * spec.input_height * spec.input_width;
  if (pixels.size() != expected) {
    return InvalidArgumentError(
        "pixel values hold " + std::to_string(pixels.size()) + " floats; the model takes " +
        std::to_string(expected) + " (" + std::to_string(spec.channels) + " x " +
        std::to_string(spec.input_height) + " x " + std::to_string(spec.input_width) + ")");
  }
  ChwToPatchTokens(pixels.data(), spec.channels, spec.input_height, spec.input_width,
                   spec.patch_size, tokens);
  return Status::Ok();
}

void InferencePipeline::Preprocess(std::unique_ptr<Task> task, const Status& refused) {
  bool cancel_all = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    cancel_all = stopping_ && !drain_;
  }
  if (!refused.ok()) {
    task->Fail(refused);
  } else if (cancel_all) {
    task->Fail(UnavailableError("server is shutting down"));
  } else {
    PreprocessTask(std::move(task));
  }
  // Answered or handed to the queue: Stop() may close the queue after this.
  std::lock_guard<std::mutex> lock(mu_);
  if (--preprocessing_ == 0) idle_.notify_all();
}

void InferencePipeline::PreprocessTask(std::unique_ptr<Task> task) {
  const int64_t start = clock_->NowMicros();
  if (DeadlinePassed(*task, start)) {
    task->Fail(DeadlineExceededError("deadline passed before preprocessing; not computed"));
    return;
  }
  if (task->Cancelled()) {  // after the deadline: gRPC cancels expired calls too
    task->Fail(UnavailableError("the client cancelled the call; dropped before decoding"));
    return;
  }
  const std::string_view image = task->request.image;
  if (task->request.want_overlay && (!task->request.explain || image.empty())) {
    task->Fail(InvalidArgumentError("an overlay needs an explanation of an encoded image"));
    return;
  }
  task->tokens.resize(preprocessor_->tokens_size());
  Status status;
  if (!task->request.pixels.empty()) {
    status = PixelsToTokens(task->request.pixels, task->tokens.data());
    std::vector<float>().swap(task->request.pixels);
  } else {
    try {
      status = preprocessor_->EncodedToTokens(reinterpret_cast<const uint8_t*>(image.data()),
                                              image.size(), task->tokens.data());
    } catch (const std::exception& e) {
      status = InvalidArgumentError(std::string("image could not be preprocessed: ") + e.what());
    }
  }
  task->preprocess_us = clock_->NowMicros() - start;
  if (!status.ok()) {
    task->Fail(ImageError(status));
    return;
  }
  if (!task->request.want_overlay) {  // else the overlay decodes them again
    task->request.image = {};
    std::string().swap(task->request.owned_image);  // the bytes are not needed any more
  }
  std::unique_ptr<BatchTask> queued(task.release());
  status = queue_->Schedule(&queued);
  if (!status.ok()) queued->Fail(status);
}

Status InferencePipeline::RunModel(const std::vector<std::unique_ptr<Task>>& batch,
                                   bool want_logits, bool want_features) {
  const ModelInfo& info = backend_->info();
  const int n = static_cast<int>(batch.size());
  float* logits = want_logits ? batch_logits_.data() : nullptr;
  float* features = want_features ? batch_features_.data() : nullptr;
  capture_.fusion.assign(static_cast<size_t>(n), std::nullopt);
  bool explain = false;
  for (int i = 0; i < n; ++i) {
    if (!batch[i]->request.explain) continue;
    capture_.fusion[i] = batch[i]->request.explain->head_fusion;
    explain = true;
  }
  try {
    if (!explain) return backend_->Run(batch_tokens_.data(), n, logits, features);
    batch_attention_.resize(AttentionCaptureSize(n, info.depth, info.num_tokens()));
    capture_.attention = batch_attention_.data();
    return backend_->RunWithAttention(batch_tokens_.data(), n, logits, features, capture_);
  } catch (const std::exception& e) {
    return InternalError(std::string("inference failed: ") + e.what());
  }
}

Status InferencePipeline::Explain(const ExplainSpec& spec, int index,
                                  InferenceResult* result) const {
  const ModelInfo& info = backend_->info();
  AttentionGeometry geometry;
  geometry.depth = info.depth;
  geometry.num_tokens = info.num_tokens();
  geometry.num_prefix_tokens = info.num_prefix_tokens;
  geometry.has_class_token = info.has_class_token;
  geometry.grid_height = info.preprocess.grid_height();
  geometry.grid_width = info.preprocess.grid_width();
  const float* attention =
      batch_attention_.data() + AttentionCaptureSize(index, info.depth, info.num_tokens());
  StatusOr<Heatmap> heatmap = ComputeHeatmap(attention, geometry, spec);
  if (!heatmap.ok()) return InternalError("explanation failed: " + heatmap.status().message());
  result->heatmap = std::move(heatmap).value();
  return Status::Ok();
}

void InferencePipeline::RunBatch(std::vector<std::unique_ptr<Task>> batch) {
  const ModelInfo& info = backend_->info();
  const int n = static_cast<int>(batch.size());
  const size_t tokens_size = preprocessor_->tokens_size();
  bool want_logits = false;
  bool want_features = false;
  const int64_t gather_start = clock_->NowMicros();
  batch_tokens_.resize(n * tokens_size);
  for (int i = 0; i < n; ++i) {
    std::copy(batch[i]->tokens.begin(), batch[i]->tokens.end(),
              batch_tokens_.begin() + i * tokens_size);
    want_logits |= batch[i]->request.top_k > 0 || batch[i]->request.want_logits;
    want_features |= batch[i]->request.want_features;
  }
  batch_logits_.resize(static_cast<size_t>(n) * info.num_classes);
  batch_features_.resize(want_features ? static_cast<size_t>(n) * info.feature_dim : 0);

  const int64_t start = clock_->NowMicros();
  Status status = RunModel(batch, want_logits, want_features);
  const int64_t end = clock_->NowMicros();
  const int64_t inference_us = end - start;
  if (metrics_ != nullptr) metrics_->ObserveBatch(n, inference_us, options_.model_name);

  // Tasks left unfinished by an exception below are failed by ~Task.
  if (!status.ok()) {
    for (auto& task : batch) task->Fail(status);
    return;
  }
  std::vector<InferenceResult> results(n);
  std::vector<Status> statuses(n);
  for (int i = 0; i < n; ++i) {
    const Task& task = *batch[i];
    InferenceResult& result = results[i];
    if (task.request.top_k > 0) {
      result.top_k = TopKSoftmax(batch_logits_.data() + static_cast<size_t>(i) * info.num_classes,
                                 info.num_classes, task.request.top_k);
    }
    if (task.request.want_logits) {
      const float* begin = batch_logits_.data() + static_cast<size_t>(i) * info.num_classes;
      result.logits.assign(begin, begin + info.num_classes);
    }
    if (task.request.want_features) {
      const float* begin = batch_features_.data() + static_cast<size_t>(i) * info.feature_dim;
      result.features.assign(begin, begin + info.feature_dim);
    }
    if (task.request.explain) statuses[i] = Explain(*task.request.explain, i, &result);
    result.queue_us = task.dequeue_micros - task.enqueue_micros;
    result.preprocess_us = task.preprocess_us;
    result.inference_us = inference_us;
    result.batch_size = n;
  }
  // Recorded before any caller is answered, so a caller's next statistics
  // call sees this run.
  statistics_.RecordExecution(n, start - gather_start, inference_us, clock_->NowMicros() - end);
  for (int i = 0; i < n; ++i) {
    if (!statuses[i].ok()) {
      batch[i]->Fail(statuses[i]);
    } else if (batch[i]->request.want_overlay) {
      FinishWithOverlay(std::move(batch[i]), std::move(results[i]));
    } else {
      batch[i]->Finish(Status::Ok(), std::move(results[i]));
    }
  }
}

void InferencePipeline::FinishWithOverlay(std::unique_ptr<Task> task, InferenceResult result) {
  // Shared with the job: if the job is dropped unrun, ~Task still answers.
  struct Job {
    std::unique_ptr<Task> task;
    InferenceResult result;
  };
  auto job = std::make_shared<Job>(Job{std::move(task), std::move(result)});
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++rendering_;
  }
  // The job may outlive nothing but this pipeline's Stop(), which waits for
  // rendering_ to drop to 0 (the workers may be shared with other models).
  auto render = [this, job] {
    RenderOverlayAndFinish(job->task.get(), &job->result);
    job->task.reset();  // answered (or failed by ~Task) before Stop() may return
    std::lock_guard<std::mutex> lock(mu_);
    if (--rendering_ == 0) idle_.notify_all();
  };
  Status queued = workers_->TrySubmit(render);
  if (!queued.ok()) render();
}

void InferencePipeline::RenderOverlayAndFinish(Task* task, InferenceResult* result) const {
  if (!task->done) return;  // already answered
  const std::string_view image = task->request.image;
  StatusOr<std::string> png = [&]() -> StatusOr<std::string> {
    try {
      return preprocessor_->RenderOverlay(reinterpret_cast<const uint8_t*>(image.data()),
                                          image.size(), result->heatmap);
    } catch (const std::exception& e) {
      return InternalError(std::string("rendering the overlay failed: ") + e.what());
    }
  }();
  if (!png.ok()) {
    task->Fail(ImageError(png.status()));
    return;
  }
  result->overlay_png = std::move(png).value();
  task->Finish(Status::Ok(), std::move(*result));
}

const std::string& InferencePipeline::served_name() const {
  return options_.model_name.empty() ? model_info().id : options_.model_name;
}

const std::string& InferencePipeline::served_version() const {
  static const std::string* const kOnlyVersion = new std::string("1");
  return options_.model_version.empty() ? *kOnlyVersion : options_.model_version;
}

void InferencePipeline::Stop(bool drain) {
  // Preprocessing first: this model's jobs on the workers still hand tasks
  // to the queue (or, without drain, fail them with UNAVAILABLE undecoded).
  {
    std::unique_lock<std::mutex> lock(mu_);
    stopping_ = true;
    if (!drain) drain_ = false;
  }
  if (!drain && queue_ != nullptr) queue_->Close(/*drain=*/false);
  {
    std::unique_lock<std::mutex> lock(mu_);
    idle_.wait(lock, [this] { return preprocessing_ == 0; });
  }
  if (queue_ != nullptr) queue_->Close(drain);
  {
    // The last batches' overlays, rendered on the workers.
    std::unique_lock<std::mutex> lock(mu_);
    idle_.wait(lock, [this] { return rendering_ == 0; });
  }
  if (owned_workers_ != nullptr) owned_workers_->Stop();
  if (owned_executor_ != nullptr) owned_executor_->Stop(drain);
}

}  // namespace vit::server
