// How the model manager gets a model version's backend and preprocessor from
// disk: an interface, so that the manager builds and is tested without
// LibTorch (the real one is server/engine_model_loader.h).
#pragma once

#include <memory>
#include <string>

#include "common/status.h"
#include "server/model_backend.h"

namespace vit::server {

/// The engine settings one version loads with: the server's flags with the
/// model's vit-serve.json overrides applied.
struct ModelLoadSpec {
  std::string path;  // the version folder (config.json + weights)
  std::string dtype = "auto";
  int threads = 0;
};

struct LoadedModel {
  std::unique_ptr<ModelBackend> backend;
  std::unique_ptr<Preprocessor> preprocessor;
};

class ModelLoader {
 public:
  virtual ~ModelLoader() = default;
  /// Loads one version; thread-safe (loads of different models may overlap).
  /// An error says what is wrong with the folder (bad config, corrupt weights).
  virtual StatusOr<LoadedModel> Load(const ModelLoadSpec& spec) = 0;
};

}  // namespace vit::server
