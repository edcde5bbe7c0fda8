#include "score/in_process_backend.h"

#include <algorithm>
#include <cstring>
#include <utility>

namespace vit::score {
namespace {

preprocessing::PreprocessOptions Limits(const InProcessOptions& options) {
  preprocessing::PreprocessOptions limits;
  limits.max_pixels = options.max_pixels;
  limits.max_image_bytes = options.max_file_bytes;
  return limits;
}

}  // namespace

StatusOr<std::unique_ptr<InProcessBackend>> InProcessBackend::Create(
    const InProcessOptions& options) {
  auto engine = InferenceEngine::Load(options.model_dir, options.engine);
  VIT_RETURN_IF_ERROR(engine.status());
  std::unique_ptr<InProcessBackend> backend(
      new InProcessBackend(options, std::move(engine).value()));
  VIT_RETURN_IF_ERROR(backend->preprocessor_.init_status());
  return backend;
}

InProcessBackend::InProcessBackend(const InProcessOptions& options,
                                   std::unique_ptr<InferenceEngine> engine)
    : options_(options),
      engine_(std::move(engine)),
      preprocessor_(engine_->info().preprocess, Limits(options)) {}

std::string InProcessBackend::Describe() const {
  const ModelInfo& info = engine_->info();
  return info.id + " (" + info.architecture + ", " + info.dtype + ", " +
         std::to_string(info.threads) + " threads, in process)";
}

Status InProcessBackend::Prepare(const std::string& path, PreparedInput* input) const {
  input->tokens.resize(preprocessor_.tokens_size());
  return preprocessor_.FileToTokens(path, input->tokens.data());
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
  VIT_RETURN_IF_ERROR(engine_->Run(tokens_.data(), batch, logits_.data(),
                                   options_.embeddings ? features_.data() : nullptr));
  results->assign(inputs.size(), ScoreResult{});
  for (int i = 0; i < batch; ++i) {
    ScoreResult& result = (*results)[i];
    result.predictions = TopK(logits_.data() + static_cast<size_t>(i) * info.num_classes,
                              info.num_classes, options_.top_k, info.labels);
    if (options_.embeddings) {
      const float* features = features_.data() + static_cast<size_t>(i) * info.feature_dim;
      result.embedding.assign(features, features + info.feature_dim);
    }
  }
  return Status::Ok();
}

}  // namespace vit::score
