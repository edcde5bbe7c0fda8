// Strict loading of a timm-named TensorMap into a module.
#pragma once

#include <torch/nn/module.h>

#include <map>
#include <string>
#include <vector>

#include "common/status.h"
#include "model/tensor_map.h"

namespace vit {

using ShapeMap = std::map<std::string, std::vector<int64_t>>;

/// Every parameter's name and shape.
ShapeMap ParameterShapes(torch::nn::Module& module);

/// Compares a checkpoint with the expected parameters. The error lists every
/// missing, unexpected and mis-shaped key with expected and actual shapes;
/// `source` names the file.
Status CheckStateDict(const ShapeMap& expected, const TensorMap& tensors,
                      const std::string& source);

/// CheckStateDict against the module's current parameters, then replaces each
/// parameter by the tensor of the same name, sharing its storage (no copy).
Status LoadStateDictStrict(torch::nn::Module& module, TensorMap tensors, const std::string& source);

/// Loads into a module whose parameters were released, against shapes taken
/// before the release.
Status LoadStateDictStrict(torch::nn::Module& module, const ShapeMap& expected, TensorMap tensors,
                           const std::string& source);

/// Frees the storage of every parameter, so that a randomly initialised copy
/// and the checkpoint never coexist in memory.
void ReleaseParameters(torch::nn::Module& module);

}  // namespace vit
