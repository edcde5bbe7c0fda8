#include "model/torch_pickle_rules.h"

#include <cstdint>
#include <memory>
#include <utility>

namespace vit {
namespace {

constexpr const char* kOrderedDict = "collections OrderedDict";
constexpr const char* kRebuildTensorV2 = "torch._utils _rebuild_tensor_v2";
constexpr const char* kRebuildParameter = "torch._utils _rebuild_parameter";

bool IsAllowedGlobal(const std::string& qualified) {
  static const char* const kAllowed[] = {
      kOrderedDict,        kRebuildTensorV2,        kRebuildParameter,     "torch FloatStorage",
      "torch HalfStorage", "torch BFloat16Storage", "torch DoubleStorage", "torch LongStorage",
      "torch IntStorage",  "torch ShortStorage",    "torch CharStorage",   "torch ByteStorage",
      "torch BoolStorage",
  };
  for (const char* allowed : kAllowed) {
    if (qualified == allowed) return true;
  }
  return false;
}

bool IsStorageGlobal(const PickleValue& value) {
  return value.kind == PickleKind::kGlobal && value.text.rfind("torch ", 0) == 0 &&
         value.text.size() > 13 && value.text.compare(value.text.size() - 7, 7, "Storage") == 0;
}

// Printable, bounded rendering of a name from the file for error messages.
std::string Quote(const std::string& text) {
  std::string out = "'";
  for (char c : text.substr(0, 80)) {
    out += (c >= 0x20 && c < 0x7f) ? c : '?';
  }
  if (text.size() > 80) out += "...";
  return out + "'";
}

StatusOr<std::vector<int64_t>> IntTuple(const PickleValue& v, const char* what) {
  if (v.kind != PickleKind::kTuple) {
    return InvalidArgumentError(std::string(what) + " must be a tuple, found " +
                                PickleKindName(v.kind));
  }
  std::vector<int64_t> out;
  for (const PickleValuePtr& item : v.items) {
    if (item->kind != PickleKind::kInt) {
      return InvalidArgumentError(std::string(what) + " holds a " + PickleKindName(item->kind) +
                                  ", not an int");
    }
    out.push_back(item->int_value);
  }
  return out;
}

Status CheckRebuildTensorArgs(const std::vector<PickleValuePtr>& args) {
  if (args.size() != 6 && args.size() != 7) {
    return InvalidArgumentError("_rebuild_tensor_v2 takes 6 or 7 arguments, got " +
                                std::to_string(args.size()));
  }
  if (args[0]->kind != PickleKind::kStorage || args[1]->kind != PickleKind::kInt ||
      args[4]->kind != PickleKind::kBool || args[5]->kind != PickleKind::kDict) {
    return InvalidArgumentError(
        std::string("_rebuild_tensor_v2 arguments must be (storage, int, tuple, tuple, bool, "
                    "dict), got (") +
        PickleKindName(args[0]->kind) + ", " + PickleKindName(args[1]->kind) + ", " +
        PickleKindName(args[2]->kind) + ", " + PickleKindName(args[3]->kind) + ", " +
        PickleKindName(args[4]->kind) + ", " + PickleKindName(args[5]->kind) + ")");
  }
  // Non-empty metadata carries tensor flags (conjugate, negative bits) we do not model.
  if (args.size() == 7 && args[6]->kind != PickleKind::kNone &&
      !(args[6]->kind == PickleKind::kDict && args[6]->entries.empty())) {
    return UnimplementedError("tensor metadata argument is not supported");
  }
  return Status::Ok();
}

// _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad,
//                    backward_hooks[, metadata])
StatusOr<PickleValuePtr> RebuildTensor(const std::vector<PickleValuePtr>& args,
                                       PickleValueFactory& values) {
  VIT_RETURN_IF_ERROR(CheckRebuildTensorArgs(args));
  VIT_ASSIGN_OR_RETURN(std::vector<int64_t> size, IntTuple(*args[2], "tensor size"));
  VIT_ASSIGN_OR_RETURN(std::vector<int64_t> stride, IntTuple(*args[3], "tensor stride"));
  if (size.size() != stride.size()) {
    return InvalidArgumentError("tensor size has " + std::to_string(size.size()) +
                                " dims but stride has " + std::to_string(stride.size()));
  }
  PickleValuePtr t = values.Make(PickleKind::kTensor);
  t->tensor = std::make_unique<PickleTensor>();
  t->tensor->storage = *args[0]->storage;
  t->tensor->storage_offset = args[1]->int_value;
  t->tensor->size = std::move(size);
  t->tensor->stride = std::move(stride);
  return t;
}

// _rebuild_parameter(data, requires_grad, backward_hooks): the tensor itself.
StatusOr<PickleValuePtr> RebuildParameter(const std::vector<PickleValuePtr>& args) {
  if (args.size() != 3 || args[0]->kind != PickleKind::kTensor ||
      args[1]->kind != PickleKind::kBool || args[2]->kind != PickleKind::kDict) {
    return InvalidArgumentError("_rebuild_parameter arguments must be (tensor, bool, dict)");
  }
  return args[0];
}

}  // namespace

Status TorchPickleRules::CheckGlobal(const std::string& qualified) const {
  if (IsAllowedGlobal(qualified)) return Status::Ok();
  return InvalidArgumentError("refusing global " + Quote(qualified) +
                              ": not part of a tensor state dict (it is never imported or called)");
}

StatusOr<PickleValuePtr> TorchPickleRules::Call(const std::string& qualified,
                                                const std::vector<PickleValuePtr>& args,
                                                PickleValueFactory& values) const {
  if (qualified == kOrderedDict) {
    if (!args.empty()) return InvalidArgumentError("OrderedDict() takes no arguments");
    return values.Make(PickleKind::kDict);
  }
  if (qualified == kRebuildTensorV2) return RebuildTensor(args, values);
  if (qualified == kRebuildParameter) return RebuildParameter(args);
  return InvalidArgumentError("global " + Quote(qualified) + " cannot be called");
}

StatusOr<PickleValuePtr> TorchPickleRules::PersistentLoad(const PickleValue& pid,
                                                          PickleValueFactory& values) const {
  if (pid.kind != PickleKind::kTuple || pid.items.size() != 5 ||
      pid.items[0]->kind != PickleKind::kString || pid.items[0]->text != "storage") {
    return InvalidArgumentError("persistent id is not ('storage', type, key, location, numel)");
  }
  const PickleValue& type = *pid.items[1];
  const PickleValue& key = *pid.items[2];
  const PickleValue& location = *pid.items[3];
  const PickleValue& numel = *pid.items[4];
  if (!IsStorageGlobal(type)) {
    return InvalidArgumentError(std::string("storage type is a ") + PickleKindName(type.kind) +
                                " " + Quote(type.text) + ", not a torch storage class");
  }
  if (key.kind != PickleKind::kString || location.kind != PickleKind::kString ||
      numel.kind != PickleKind::kInt || numel.int_value < 0) {
    return InvalidArgumentError(
        "storage key and location must be strings and numel a non-negative int");
  }
  PickleValuePtr s = values.Make(PickleKind::kStorage);
  s->storage = std::make_unique<PickleStorage>();
  s->storage->type_name = type.text.substr(6);  // drop "torch "
  s->storage->key = key.text;
  s->storage->location = location.text;
  s->storage->numel = numel.int_value;
  return s;
}

Status TorchPickleRules::Build(PickleValue& target, const PickleValue& state) const {
  if (target.kind != PickleKind::kDict) {
    return InvalidArgumentError(std::string("expects a dict on the stack, found ") +
                                PickleKindName(target.kind));
  }
  // OrderedDict attributes, i.e. a state dict's `_metadata` (module versions): dropped.
  if (state.kind != PickleKind::kDict && state.kind != PickleKind::kNone) {
    return InvalidArgumentError(std::string("dict state must be a dict, found ") +
                                PickleKindName(state.kind));
  }
  return Status::Ok();
}

}  // namespace vit
