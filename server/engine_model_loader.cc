#include "server/engine_model_loader.h"

#include <exception>

#include "server/model_adapters.h"

namespace vit::server {

StatusOr<LoadedModel> EngineModelLoader::Load(const ModelLoadSpec& spec) {
  EngineOptions options = engine_;
  options.dtype = spec.dtype;
  options.threads = spec.threads;
  LoadedModel loaded;
  try {
    VIT_ASSIGN_OR_RETURN(loaded.backend, LoadEngineBackend(spec.path, options));
    VIT_ASSIGN_OR_RETURN(
        loaded.preprocessor,
        MakeImagePreprocessor(loaded.backend->info().preprocess, preprocess_, overlay_));
  } catch (const std::exception& e) {
    return InternalError("loading " + spec.path + " failed: " + e.what());
  }
  return loaded;
}

}  // namespace vit::server
