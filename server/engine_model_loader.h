// The real ModelLoader: InferenceEngine::Load + the image preprocessor.
#pragma once

#include "model/inference_engine.h"
#include "preprocessing/image_preprocessor.h"
#include "server/model_loader.h"

namespace vit::server {

class EngineModelLoader final : public ModelLoader {
 public:
  /// `engine`: the server's engine flags (backend; dtype and threads are
  /// taken from each ModelLoadSpec); `preprocess`: the image limits.
  EngineModelLoader(const EngineOptions& engine, const preprocessing::PreprocessOptions& preprocess)
      : engine_(engine), preprocess_(preprocess) {}
  StatusOr<LoadedModel> Load(const ModelLoadSpec& spec) override;

 private:
  const EngineOptions engine_;
  const preprocessing::PreprocessOptions preprocess_;
};

}  // namespace vit::server
