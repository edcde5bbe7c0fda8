#include "model/model_loader.h"

#include "model/state_dict.h"

namespace vit {

StatusOr<LoadedModel> LoadModelFolder(const std::string& folder) {
  VIT_ASSIGN_OR_RETURN(Checkpoint checkpoint, LoadCheckpoint(folder));
  const std::string weights_path = checkpoint.weights_path;
  try {
    LoadedModel model;
    model.folder = std::move(checkpoint.folder);
    model.weights_path = std::move(checkpoint.weights_path);
    model.inferred = std::move(checkpoint.inferred);
    // Built without weights: a random copy of the model never takes memory.
    model.net = VisionTransformer(model.inferred.vit, ParameterInit::kReleased);
    VIT_RETURN_IF_ERROR(LoadStateDictStrict(*model.net, model.net->parameter_shapes(),
                                            std::move(checkpoint.weights), model.weights_path));
    model.net->eval();
    return model;
  } catch (const std::exception& e) {
    return InvalidArgumentError("loading '" + weights_path + "' failed: " + e.what());
  }
}

}  // namespace vit
