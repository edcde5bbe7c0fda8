// A checkpoint's tensors by name, in file order.
#pragma once

#include <torch/torch.h>

#include <string>
#include <utility>
#include <vector>

namespace vit {

using NamedTensor = std::pair<std::string, torch::Tensor>;
using TensorMap = std::vector<NamedTensor>;

}  // namespace vit
