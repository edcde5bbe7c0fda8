#include "model/pickle_value.h"

namespace vit {

const char* PickleKindName(PickleKind kind) {
  switch (kind) {
    case PickleKind::kNone:
      return "None";
    case PickleKind::kBool:
      return "bool";
    case PickleKind::kInt:
      return "int";
    case PickleKind::kFloat:
      return "float";
    case PickleKind::kString:
      return "str";
    case PickleKind::kTuple:
      return "tuple";
    case PickleKind::kList:
      return "list";
    case PickleKind::kDict:
      return "dict";
    case PickleKind::kGlobal:
      return "global";
    case PickleKind::kStorage:
      return "storage";
    case PickleKind::kTensor:
      return "tensor";
  }
  return "?";
}

PickleValue::~PickleValue() {
  std::vector<PickleValuePtr> pending;
  auto adopt_children = [&pending](PickleValue& value) {
    for (auto& item : value.items) pending.push_back(std::move(item));
    value.items.clear();
    for (auto& [key, val] : value.entries) {
      pending.push_back(std::move(key));
      pending.push_back(std::move(val));
    }
    value.entries.clear();
  };
  adopt_children(*this);
  while (!pending.empty()) {
    PickleValuePtr value = std::move(pending.back());
    pending.pop_back();
    // Only the last owner dismantles; `value` then dies childless.
    if (value != nullptr && value.use_count() == 1) adopt_children(*value);
  }
}

const PickleValue* PickleValue::Find(const std::string& key) const {
  if (kind != PickleKind::kDict) return nullptr;
  auto it = index.find("s" + key);
  return it == index.end() ? nullptr : entries[it->second].second.get();
}

}  // namespace vit
