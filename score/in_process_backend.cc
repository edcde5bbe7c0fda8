#include "score/in_process_backend.h"

#include <algorithm>
#include <cstring>
#include <optional>
#include <utility>

#include "common/attention_capture.h"
#include "common/attention_rollout.h"
#include "common/file_util.h"

namespace vit::score {

StatusOr<std::unique_ptr<InProcessBackend>> InProcessBackend::Create(
    const InProcessOptions& options) {
  VIT_ASSIGN_OR_RETURN(std::unique_ptr<InferenceEngine> engine,
                       InferenceEngine::Load(options.model_dir, options.engine));
  std::unique_ptr<InProcessBackend> backend(new InProcessBackend(options, std::move(engine)));
  VIT_RETURN_IF_ERROR(backend->preprocessor_.init_status());
  return backend;
}

InProcessBackend::InProcessBackend(const InProcessOptions& options,
                                   std::unique_ptr<InferenceEngine> engine)
    : options_(options),
      engine_(std::move(engine)),
      preprocessor_(engine_->info().preprocess, options.preprocess) {}

std::string InProcessBackend::Describe() const {
  const ModelInfo& info = engine_->info();
  return info.id + " (" + info.architecture + ", " + info.dtype + ", " +
         std::to_string(info.threads) + " threads, in process)";
}

Status InProcessBackend::Prepare(const std::string& path, PreparedInput* input) const {
  input->tokens.resize(preprocessor_.tokens_size());
  if (!options_.explain_overlays) return preprocessor_.FileToTokens(path, input->tokens.data());
  // The overlay decodes the bytes again after the batch: read them once, keep them.
  StatusOr<std::string> bytes = ReadFileToString(path);
  if (!bytes.ok()) return bytes.status();
  input->bytes = std::move(bytes).value();
  Status status =
      preprocessor_.EncodedToTokens(reinterpret_cast<const uint8_t*>(input->bytes.data()),
                                    input->bytes.size(), input->tokens.data());
  if (!status.ok()) return Status(status.code(), path + ": " + status.message());
  return Status::Ok();
}

Status InProcessBackend::Overlay(int index, const std::string& bytes, ScoreResult* result) const {
  const ModelInfo& info = engine_->info();
  const AttentionGeometry geometry{info.depth,
                                   info.num_tokens(),
                                   info.num_prefix_tokens,
                                   info.has_class_token,
                                   info.preprocess.grid_height(),
                                   info.preprocess.grid_width()};
  VIT_ASSIGN_OR_RETURN(
      const Heatmap heatmap,
      ComputeHeatmap(attention_.data() + AttentionCaptureSize(index, info.depth, info.num_tokens()),
                     geometry, options_.explain));
  VIT_ASSIGN_OR_RETURN(result->overlay_png,
                       preprocessing::RenderHeatmapOverlay(
                           reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), heatmap,
                           info.preprocess, options_.preprocess, options_.overlay));
  return Status::Ok();
}

Status InProcessBackend::Score(const std::vector<PreparedInput*>& inputs,
                               std::vector<ScoreResult>* results) {
  const ModelInfo& info = engine_->info();
  const size_t per_image = preprocessor_.tokens_size();
  const int batch = static_cast<int>(inputs.size());
  tokens_.resize(per_image * inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (inputs[i]->tokens.size() != per_image) {
      return InternalError("prepared tokens hold " + std::to_string(inputs[i]->tokens.size()) +
                           " floats, expected " + std::to_string(per_image));
    }
    std::memcpy(tokens_.data() + i * per_image, inputs[i]->tokens.data(),
                per_image * sizeof(float));
  }
  logits_.resize(static_cast<size_t>(batch) * info.num_classes);
  features_.resize(options_.embeddings ? static_cast<size_t>(batch) * info.feature_dim : 0);
  float* features = options_.embeddings ? features_.data() : nullptr;
  if (options_.explain_overlays) {
    attention_.resize(AttentionCaptureSize(batch, info.depth, info.num_tokens()));
    const AttentionCapture capture{
        std::vector<std::optional<HeadFusion>>(batch, options_.explain.head_fusion),
        attention_.data()};
    VIT_RETURN_IF_ERROR(
        engine_->RunWithAttention(tokens_.data(), batch, logits_.data(), features, capture));
  } else {
    VIT_RETURN_IF_ERROR(engine_->Run(tokens_.data(), batch, logits_.data(), features));
  }
  results->assign(inputs.size(), ScoreResult{});
  for (int i = 0; i < batch; ++i) {
    ScoreResult& result = (*results)[i];
    result.predictions = TopK(logits_.data() + static_cast<size_t>(i) * info.num_classes,
                              info.num_classes, options_.top_k, info.labels);
    if (options_.embeddings) {
      const float* begin = features_.data() + static_cast<size_t>(i) * info.feature_dim;
      result.embedding.assign(begin, begin + info.feature_dim);
    }
    if (options_.explain_overlays) result.status = Overlay(i, inputs[i]->bytes, &result);
  }
  return Status::Ok();
}

}  // namespace vit::score
