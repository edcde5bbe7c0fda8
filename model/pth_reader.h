// Reader for torch.save(state_dict) checkpoints (.pth / .pt: PyTorch zip + pickle).
#pragma once

#include <string>

#include "common/status.h"
#include "model/tensor_map.h"

namespace vit {

/// Reads a torch.save(state_dict) file (PyTorch zip + pickle) into float32 CPU tensors, in pickle
/// order. Interprets only the pickle subset state dicts use and rejects anything else.
StatusOr<TensorMap> ReadPthStateDict(const std::string& path);

}  // namespace vit
