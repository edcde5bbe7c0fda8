// The real model and preprocessing libraries behind the server's
// ModelBackend / Preprocessor interfaces.
#pragma once

#include <memory>
#include <string>

#include "common/status.h"
#include "model/inference_engine.h"
#include "preprocessing/image_preprocessor.h"
#include "server/model_backend.h"

namespace vit::server {

/// InferenceEngine::Load(model_dir, options) as a ModelBackend.
StatusOr<std::unique_ptr<ModelBackend>> LoadEngineBackend(const std::string& model_dir,
                                                          const EngineOptions& options);

/// An ImagePreprocessor for `spec` as a Preprocessor; fails on an invalid spec.
StatusOr<std::unique_ptr<Preprocessor>> MakeImagePreprocessor(
    const PreprocessSpec& spec, const preprocessing::PreprocessOptions& options);

}  // namespace vit::server
