// A checkpoint's tensors by name, in file order.
#pragma once

#include <ATen/core/Tensor.h>

#include <string>
#include <utility>
#include <vector>

namespace vit {

using NamedTensor = std::pair<std::string, at::Tensor>;
using TensorMap = std::vector<NamedTensor>;

}  // namespace vit
