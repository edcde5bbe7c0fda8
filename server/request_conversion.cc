#include "server/request_conversion.h"

#include <algorithm>
#include <chrono>

namespace vit::server {

Status CheckModelName(const std::string& name, const ModelInfo& info) {
  if (name.empty() || name == info.id) return Status::Ok();
  return NotFoundError("unknown model '" + name + "'; this server serves '" + info.id +
                       "' (or leave the model name empty)");
}

Status CheckImageSize(size_t size, size_t max_bytes) {
  if (size == 0) return InvalidArgumentError("image is empty");
  if (size > max_bytes) {
    return InvalidArgumentError("image is " + std::to_string(size) + " bytes; the limit is " +
                                std::to_string(max_bytes) + " (--max-image-bytes)");
  }
  return Status::Ok();
}

StatusOr<int> ResolveTopK(int top_k, const ModelInfo& info, int default_top_k) {
  if (top_k == 0) return std::min(default_top_k, info.num_classes);
  if (top_k < 0 || top_k > info.num_classes) {
    return InvalidArgumentError("top_k must be in [0, " + std::to_string(info.num_classes) +
                                "] (0 = " + std::to_string(default_top_k) + "); got " +
                                std::to_string(top_k));
  }
  return top_k;
}

int64_t DeadlineMicros(const grpc::CallbackServerContext& context, Clock* clock) {
  const auto deadline = context.deadline();
  const auto now = std::chrono::system_clock::now();
  // No deadline reads as time_point::max(); a year away is as good as none.
  if (deadline - now > std::chrono::hours(24 * 365)) return 0;
  const int64_t remaining =
      std::chrono::duration_cast<std::chrono::microseconds>(deadline - now).count();
  // A deadline already in the past maps to 1 (not 0, which means "none").
  return std::max<int64_t>(1, clock->NowMicros() + remaining);
}

void FillTimings(const InferenceResult& result, v1::Timings* timings) {
  timings->set_queue_us(result.queue_us);
  timings->set_preprocess_us(result.preprocess_us);
  timings->set_inference_us(result.inference_us);
  timings->set_total_us(result.total_us);
  timings->set_batch_size(result.batch_size);
}

namespace {

void AddPredictions(const ModelInfo& info, const InferenceResult& result,
                    google::protobuf::RepeatedPtrField<v1::Prediction>* predictions) {
  for (const ClassScore& score : result.top_k) {
    v1::Prediction* prediction = predictions->Add();
    prediction->set_class_index(score.class_index);
    if (score.class_index < static_cast<int>(info.labels.size()))
      prediction->set_label(info.labels[score.class_index]);
    prediction->set_probability(score.probability);
  }
}

}  // namespace

void FillClassifyResponse(const InferencePipeline& served, const InferenceResult& result,
                          v1::ClassifyResponse* response) {
  AddPredictions(served.model_info(), result, response->mutable_predictions());
  response->set_model_id(served.served_name());
  response->set_model_version(served.served_version());
  FillTimings(result, response->mutable_timings());
}

StatusOr<ExplainSpec> ToExplainSpec(const v1::ExplainRequest& request) {
  return ParseExplainSpec(request.method(), request.head_fusion(), request.discard_ratio());
}

void FillEmbedResponse(const InferencePipeline& served, const InferenceResult& result,
                       v1::EmbedResponse* response) {
  response->mutable_embedding()->Assign(result.features.begin(), result.features.end());
  response->set_model_id(served.served_name());
  response->set_model_version(served.served_version());
  FillTimings(result, response->mutable_timings());
}

void FillExplainResponse(const InferencePipeline& served, const InferenceResult& result,
                         v1::ExplainResponse* response) {
  response->set_grid_height(result.heatmap.grid_height);
  response->set_grid_width(result.heatmap.grid_width);
  response->mutable_heatmap()->Assign(result.heatmap.values.begin(), result.heatmap.values.end());
  AddPredictions(served.model_info(), result, response->mutable_predictions());
  response->set_overlay_png(result.overlay_png);
  response->set_model_id(served.served_name());
  response->set_model_version(served.served_version());
  FillTimings(result, response->mutable_timings());
}

void FillModelInfo(const InferencePipeline& served, v1::ModelInfo* out) {
  const ModelInfo& info = served.model_info();
  const PipelineOptions& options = served.options();
  out->set_id(served.served_name());
  out->set_model_version(served.served_version());
  out->set_architecture(info.architecture);
  out->set_source_format(info.source_format);
  out->set_num_parameters(info.num_parameters);
  out->set_num_classes(info.num_classes);
  out->set_feature_dim(info.feature_dim);
  for (const std::string& label : info.labels) out->add_labels(label);
  const PreprocessSpec& spec = info.preprocess;
  v1::Preprocessing* pre = out->mutable_preprocessing();
  pre->set_channels(spec.channels);
  pre->set_input_height(spec.input_height);
  pre->set_input_width(spec.input_width);
  pre->set_resize_mode(ResizeModeName(spec.resize_mode));
  pre->set_resize_shorter_side(spec.resize_shorter_side);
  pre->set_interpolation(InterpolationName(spec.interpolation));
  for (float m : spec.mean) pre->add_mean(m);
  for (float s : spec.std) pre->add_std(s);
  pre->set_patch_size(spec.patch_size);
  out->set_dtype(info.dtype);
  out->set_backend(info.backend);
  out->set_device(info.device);
  out->set_threads(info.threads);
  v1::Batching* batching = out->mutable_batching();
  batching->set_max_batch_size(options.batching.max_batch_size);
  batching->set_max_queue_delay_microseconds(options.batching.max_queue_delay_microseconds);
  batching->set_max_queue_size(options.batching.max_queue_size);
  for (int size : options.batching.preferred_batch_sizes) batching->add_preferred_batch_sizes(size);
  batching->set_preprocess_threads(options.preprocess_threads);
}

void FillListModels(const std::vector<ModelIndexEntry>& entries, const std::string& default_model,
                    v1::ListModelsResponse* out) {
  out->set_default_model(default_model);
  v1::ListedModel* model = nullptr;
  for (const ModelIndexEntry& entry : entries) {
    if (model == nullptr || model->name() != entry.name) {
      model = out->add_models();
      model->set_name(entry.name);
      model->set_is_default_model(!default_model.empty() && entry.name == default_model);
    }
    v1::ModelVersionState* version = model->add_versions();
    version->set_version(entry.version);
    version->set_state(entry.state);
    version->set_reason(entry.reason);
    version->set_is_default(entry.is_default_version);
  }
}

}  // namespace vit::server
