#include "server/serving_context.h"

#include <spdlog/spdlog.h>

namespace vit::server {

ServingContext::ServingContext(const ServiceOptions& options, Metrics* metrics)
    : options_(options), auth_(options.auth_token), metrics_(metrics) {}

void ServingContext::SetPipeline(InferencePipeline* pipeline) {
  pipeline_.store(pipeline, std::memory_order_release);
}

void ServingContext::SetModelDirectory(ModelDirectory* directory) {
  directory_.store(directory, std::memory_order_release);
}

std::shared_ptr<InferencePipeline> ServingContext::pipeline() const {
  if (ModelDirectory* directory = directory_.load(std::memory_order_acquire))
    return directory->ServingPipeline("");
  // Not owned: the caller of SetPipeline keeps it alive.
  return std::shared_ptr<InferencePipeline>(pipeline_.load(std::memory_order_acquire),
                                            [](InferencePipeline*) {});
}

std::vector<std::shared_ptr<InferencePipeline>> ServingContext::pipelines() const {
  if (ModelDirectory* directory = directory_.load(std::memory_order_acquire))
    return directory->ServingPipelines();
  std::vector<std::shared_ptr<InferencePipeline>> all;
  if (std::shared_ptr<InferencePipeline> one = pipeline()) all.push_back(std::move(one));
  return all;
}

StatusOr<std::shared_ptr<InferencePipeline>> ServingContext::Resolve(
    const std::string& name, const std::string& version) const {
  ModelDirectory* directory = directory_.load(std::memory_order_acquire);
  if (directory == nullptr) {
    std::shared_ptr<InferencePipeline> served = pipeline();
    if (served == nullptr)
      return UnavailableError("model is loading; the server is not serving yet");
    return served;
  }
  std::shared_ptr<InferencePipeline> served = directory->ServingPipeline(name);
  if (served == nullptr) return directory->NotServedError(name);
  if (!version.empty() && version != served->options().model_version)
    return NotFoundError("model '" + served->options().model_name + "' version " + version +
                         " is not served; version " + served->options().model_version + " is");
  return served;
}

void ServingContext::WakeForCancellation() const {
  if (ModelDirectory* directory = directory_.load(std::memory_order_acquire)) {
    directory->WakeForCancellation();
  } else if (InferencePipeline* served = pipeline_.load(std::memory_order_acquire)) {
    served->WakeForCancellation();
  }
}

Status ServingContext::Enter(int images) {
  const int64_t before = in_flight_.fetch_add(images);
  if (pipeline_.load() == nullptr && directory_.load() == nullptr)
    return UnavailableError("model is loading; the server is not serving yet");
  const int limit = options_.max_in_flight_requests;
  if (limit <= 0 || before < limit) return Status::Ok();
  return ResourceExhaustedError("the server has " + std::to_string(limit) +
                                " requests in flight (--max-in-flight-requests); retry later");
}

int64_t ServingContext::RequestDeadline(int64_t call_deadline) const {
  if (call_deadline != 0 || options_.default_deadline_ms <= 0) return call_deadline;
  std::shared_ptr<InferencePipeline> serving = pipeline();
  if (serving == nullptr) return 0;
  return serving->clock()->NowMicros() + options_.default_deadline_ms * 1000;
}

void ServingContext::Record(const CallRecord& call) {
  in_flight_ -= call.images;
  ++answered_;
  const InferenceResult* result = call.result;
  // The repository's name of the model that served the call; "" when the
  // call was answered before a model was resolved.
  const std::string model_name = call.model != nullptr ? call.model->options().model_name : "";
  if (metrics_ != nullptr) {
    metrics_->CountRequest(call.protocol, call.method, call.status.code(), model_name);
    if (call.status.ok() && result != nullptr)
      metrics_->ObserveLatencies(result->queue_us, result->preprocess_us, result->total_us,
                                 model_name);
  }
  // Without a repository the one pipeline counts every call; with one, only
  // the model that served the call does (a call for an unknown model counts
  // on none).
  std::shared_ptr<InferencePipeline> default_model;
  InferencePipeline* served = call.model;
  if (served == nullptr && !has_model_directory()) {
    default_model = pipeline();
    served = default_model.get();
  }
  if (served != nullptr) {
    ModelStatistics& statistics = served->statistics();
    if (call.status.ok() && result != nullptr) {
      statistics.RecordSuccess(call.images, result->total_us, result->queue_us,
                               result->preprocess_us, result->inference_us);
    } else if (!call.status.ok()) {
      statistics.RecordFailure(result != nullptr ? result->total_us : 0);
    }
  }
  // The model's repository name and version, when a front door said which.
  std::string model = "-";
  if (call.model != nullptr && !call.model->options().model_name.empty())
    model = call.model->options().model_name + ":" + call.model->options().model_version;
  if (!call.status.ok()) {
    spdlog::warn("{} {} model={} peer={} bytes={} images={} status={}", call.protocol, call.method,
                 model, call.peer, call.bytes, call.images, call.status.ToString());
  } else if (result != nullptr && spdlog::should_log(spdlog::level::debug)) {
    spdlog::debug(
        "{} {} model={} peer={} bytes={} images={} status=OK top1={} batch={} queue_us={} "
        "preprocess_us={} inference_us={} total_us={}",
        call.protocol, call.method, model, call.peer, call.bytes, call.images,
        result->top_k.empty() ? -1 : result->top_k.front().class_index, result->batch_size,
        result->queue_us, result->preprocess_us, result->inference_us, result->total_us);
  }
}

Status ServingContext::OpenStream(const char* protocol, const char* method,
                                  const std::string& peer) {
  const int limit = options_.max_streams;
  const int64_t before = open_streams_++;
  if (limit <= 0 || before < limit) return Status::Ok();
  --open_streams_;
  if (metrics_ != nullptr) metrics_->CountRequest(protocol, method, "RESOURCE_EXHAUSTED");
  spdlog::warn("{} {} peer={} status=RESOURCE_EXHAUSTED: {} streams open", protocol, method, peer,
               limit);
  return ResourceExhaustedError("the server has " + std::to_string(limit) +
                                " streaming calls open (--max-streams); retry later");
}

void ServingContext::RecordControl(const ControlCallRecord& call) {
  if (metrics_ != nullptr) metrics_->CountRequest(call.protocol, call.method, call.status.code());
  const std::string model = call.model.empty() ? "" : " model=" + call.model;
  if (call.status.ok() && call.model.empty()) {  // the index calls: often polled
    spdlog::debug("{} {} peer={} status=OK elapsed_ms={}", call.protocol, call.method, call.peer,
                  call.elapsed_ms);
  } else if (call.status.ok()) {
    spdlog::info("{} {} peer={}{} status=OK elapsed_ms={}", call.protocol, call.method, call.peer,
                 model, call.elapsed_ms);
  } else {
    spdlog::warn("{} {} peer={}{} elapsed_ms={} status={}", call.protocol, call.method, call.peer,
                 model, call.elapsed_ms, call.status.ToString());
  }
}

void ServingContext::RecordUnauthenticated(const char* protocol, const char* method,
                                           const std::string& peer, const std::string& message) {
  if (metrics_ != nullptr) metrics_->CountRequest(protocol, method, "UNAUTHENTICATED");
  spdlog::warn("{} {} peer={} status=UNAUTHENTICATED: {}", protocol, method, peer, message);
}

}  // namespace vit::server
