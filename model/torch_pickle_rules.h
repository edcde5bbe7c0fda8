// The pickle rules of a torch.save state dict: collections.OrderedDict, the
// torch storage classes, torch._utils._rebuild_tensor_v2 / _rebuild_parameter
// and ('storage', ...) persistent ids. Tensors become descriptions whose data
// the caller reads from the archive (pth_tensor.h).
#pragma once

#include <string>
#include <vector>

#include "model/pickle_rules.h"

namespace vit {

class TorchPickleRules final : public PickleRules {
 public:
  /// Only the globals a state dict names; anything else is refused.
  Status CheckGlobal(const std::string& qualified) const override;
  /// OrderedDict() -> an empty dict; _rebuild_tensor_v2 -> a kTensor;
  /// _rebuild_parameter -> its tensor. Other globals cannot be called.
  StatusOr<PickleValuePtr> Call(const std::string& qualified,
                                const std::vector<PickleValuePtr>& args,
                                PickleValueFactory& values) const override;
  /// ('storage', storage_type, key, location, numel) -> a kStorage.
  StatusOr<PickleValuePtr> PersistentLoad(const PickleValue& pid,
                                          PickleValueFactory& values) const override;
  /// Only dicts are built; their state (a state dict's `_metadata`) is dropped.
  Status Build(PickleValue& target, const PickleValue& state) const override;
};

}  // namespace vit
