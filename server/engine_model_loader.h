// The real ModelLoader: InferenceEngine::Load + the image preprocessor.
#pragma once

#include "model/inference_engine.h"
#include "preprocessing/heatmap_overlay.h"
#include "preprocessing/image_preprocessor.h"
#include "server/model_loader.h"

namespace vit::server {

class EngineModelLoader final : public ModelLoader {
 public:
  /// `engine`: the server's engine flags (backend; dtype and threads are
  /// taken from each ModelLoadSpec); `preprocess`: the image limits;
  /// `overlay`: how Explain overlays are drawn.
  EngineModelLoader(const EngineOptions& engine, const preprocessing::PreprocessOptions& preprocess,
                    const preprocessing::OverlayOptions& overlay)
      : engine_(engine), preprocess_(preprocess), overlay_(overlay) {}
  StatusOr<LoadedModel> Load(const ModelLoadSpec& spec) override;

 private:
  const EngineOptions engine_;
  const preprocessing::PreprocessOptions preprocess_;
  const preprocessing::OverlayOptions overlay_;
};

}  // namespace vit::server
