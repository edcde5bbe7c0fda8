#include "server/model_adapters.h"

#include <utility>

namespace vit::server {
namespace {

class EngineBackend final : public ModelBackend {
 public:
  explicit EngineBackend(std::unique_ptr<InferenceEngine> engine) : engine_(std::move(engine)) {}
  const ModelInfo& info() const override { return engine_->info(); }
  Status Run(const float* tokens, int batch, float* logits, float* features) override {
    return engine_->Run(tokens, batch, logits, features);
  }
  Status RunWithAttention(const float* tokens, int batch, float* logits, float* features,
                          const AttentionCapture& capture) override {
    return engine_->RunWithAttention(tokens, batch, logits, features, capture);
  }

 private:
  std::unique_ptr<InferenceEngine> engine_;
};

class ImagePreprocessorAdapter final : public Preprocessor {
 public:
  ImagePreprocessorAdapter(const PreprocessSpec& spec,
                           const preprocessing::PreprocessOptions& options,
                           const preprocessing::OverlayOptions& overlay)
      : preprocessor_(spec, options), overlay_(overlay) {}
  const Status& init_status() const { return preprocessor_.init_status(); }
  size_t tokens_size() const override { return preprocessor_.tokens_size(); }
  size_t max_image_bytes() const override { return preprocessor_.options().max_image_bytes; }
  Status EncodedToTokens(const uint8_t* data, size_t size, float* out) const override {
    return preprocessor_.EncodedToTokens(data, size, out);
  }
  StatusOr<std::string> RenderOverlay(const uint8_t* data, size_t size,
                                      const Heatmap& heatmap) const override {
    return preprocessing::RenderHeatmapOverlay(data, size, heatmap, preprocessor_.spec(),
                                               preprocessor_.options(), overlay_);
  }

 private:
  preprocessing::ImagePreprocessor preprocessor_;
  const preprocessing::OverlayOptions overlay_;
};

}  // namespace

StatusOr<std::unique_ptr<ModelBackend>> LoadEngineBackend(const std::string& model_dir,
                                                          const EngineOptions& options) {
  StatusOr<std::unique_ptr<InferenceEngine>> engine = InferenceEngine::Load(model_dir, options);
  if (!engine.ok()) return engine.status();
  return std::unique_ptr<ModelBackend>(new EngineBackend(std::move(engine).value()));
}

StatusOr<std::unique_ptr<Preprocessor>> MakeImagePreprocessor(
    const PreprocessSpec& spec, const preprocessing::PreprocessOptions& options,
    const preprocessing::OverlayOptions& overlay) {
  VIT_RETURN_IF_ERROR(preprocessing::ValidateOverlayOptions(overlay));
  auto preprocessor = std::make_unique<ImagePreprocessorAdapter>(spec, options, overlay);
  if (!preprocessor->init_status().ok()) return preprocessor->init_status();
  return std::unique_ptr<Preprocessor>(std::move(preprocessor));
}

}  // namespace vit::server
