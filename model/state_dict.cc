#include "model/state_dict.h"

#include <malloc.h>

#include <torch/types.h>
#include <torch/utils.h>

#include <set>
#include <sstream>

namespace vit {
namespace {

std::string ShapeString(c10::IntArrayRef shape) {
  std::ostringstream out;
  out << shape;
  return out.str();
}

// "3 missing: a, b, c" with at most `limit` names spelled out.
std::string Summarize(const char* what, const std::vector<std::string>& items, size_t limit = 12) {
  std::ostringstream out;
  out << items.size() << " " << what << ": ";
  for (size_t i = 0; i < items.size() && i < limit; ++i) out << (i ? ", " : "") << items[i];
  if (items.size() > limit) out << ", ... (" << items.size() - limit << " more)";
  return out.str();
}

}  // namespace

ShapeMap ParameterShapes(torch::nn::Module& module) {
  ShapeMap shapes;
  for (const auto& item : module.named_parameters(/*recurse=*/true))
    shapes[item.key()] = item.value().sizes().vec();
  return shapes;
}

Status CheckStateDict(const ShapeMap& expected, const TensorMap& tensors,
                      const std::string& source) {
  std::vector<std::string> missing, unexpected, mismatched;
  std::set<std::string> present;
  for (const auto& [name, tensor] : tensors) {
    if (!present.insert(name).second) {
      return InvalidArgumentError("checkpoint '" + source + "' has the key '" + name + "' twice");
    }
    auto it = expected.find(name);
    if (it == expected.end()) {
      unexpected.push_back(name + " " + ShapeString(tensor.sizes()));
    } else if (tensor.sizes().vec() != it->second) {
      mismatched.push_back(name + " (expected " + ShapeString(it->second) + ", got " +
                           ShapeString(tensor.sizes()) + ")");
    }
  }
  for (const auto& [name, shape] : expected) {
    if (!present.count(name)) missing.push_back(name + " " + ShapeString(shape));
  }
  if (missing.empty() && unexpected.empty() && mismatched.empty()) return Status::Ok();
  std::string message = "checkpoint '" + source + "' does not match the model:";
  if (!missing.empty()) message += " " + Summarize("missing", missing) + ";";
  if (!unexpected.empty()) message += " " + Summarize("unexpected", unexpected) + ";";
  if (!mismatched.empty()) message += " " + Summarize("mis-shaped", mismatched) + ";";
  message.pop_back();
  return InvalidArgumentError(message);
}

Status LoadStateDictStrict(torch::nn::Module& module, const ShapeMap& expected, TensorMap tensors,
                           const std::string& source) {
  VIT_RETURN_IF_ERROR(CheckStateDict(expected, tensors, source));
  auto params = module.named_parameters(/*recurse=*/true);
  torch::NoGradGuard no_grad;
  for (auto& [name, tensor] : tensors) {
    torch::Tensor* param = params.find(name);
    if (!tensor.is_contiguous()) tensor = tensor.contiguous();
    param->set_data(tensor.to(param->scalar_type()));
    tensor = torch::Tensor();  // drop our reference as we go
  }
  return Status::Ok();
}

Status LoadStateDictStrict(torch::nn::Module& module, TensorMap tensors,
                           const std::string& source) {
  return LoadStateDictStrict(module, ParameterShapes(module), std::move(tensors), source);
}

void ReleaseParameters(torch::nn::Module& module) {
  torch::NoGradGuard no_grad;
  for (auto& item : module.named_parameters(/*recurse=*/true)) {
    item.value().set_data(torch::empty({0}, item.value().options()));
  }
  // glibc raises its mmap threshold after freeing large blocks, so the next
  // part's parameters come from the heap, which it keeps: building a ViT-B
  // part by part held ~270 MB of freed random weights at the peak without this.
  malloc_trim(0);
}

}  // namespace vit
