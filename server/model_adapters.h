// The real model and preprocessing libraries behind the server's
// ModelBackend / Preprocessor interfaces.
#pragma once

#include <memory>
#include <string>

#include "common/status.h"
#include "model/inference_engine.h"
#include "preprocessing/heatmap_overlay.h"
#include "preprocessing/image_preprocessor.h"
#include "server/model_backend.h"

namespace vit::server {

/// InferenceEngine::Load(model_dir, options) as a ModelBackend.
StatusOr<std::unique_ptr<ModelBackend>> LoadEngineBackend(const std::string& model_dir,
                                                          const EngineOptions& options);

/// An ImagePreprocessor for `spec` as a Preprocessor, rendering explanation
/// overlays with `overlay`; fails on an invalid spec or overlay options.
StatusOr<std::unique_ptr<Preprocessor>> MakeImagePreprocessor(
    const PreprocessSpec& spec, const preprocessing::PreprocessOptions& options,
    const preprocessing::OverlayOptions& overlay = {});

}  // namespace vit::server
