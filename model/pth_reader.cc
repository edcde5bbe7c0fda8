#include "model/pth_reader.h"

#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include <c10/util/Exception.h>
#include <torch/types.h>

#include "model/pickle_machine.h"
#include "model/pickle_value.h"
#include "model/pth_archive.h"
#include "model/pth_tensor.h"

namespace vit {
namespace {

// Entries under which training checkpoints commonly nest the model's state dict.
constexpr const char* kWrapperKeys[] = {"state_dict", "model", "model_state_dict"};

// Why `dict` is not a plain {str: tensor} mapping; empty when it is.
std::string NotStateDictReason(const PickleValue& dict) {
  for (const auto& [key, value] : dict.entries) {
    if (key->kind != PickleKind::kString) {
      return std::string("has a ") + PickleKindName(key->kind) + " key";
    }
    if (value->kind != PickleKind::kTensor) {
      return "entry '" + key->text + "' is a " + PickleKindName(value->kind) + ", not a tensor";
    }
  }
  return "";
}

StatusOr<const PickleValue*> SelectStateDict(const std::string& path, const PickleValue& root) {
  if (root.kind != PickleKind::kDict) {
    return InvalidArgumentError(path + ": the pickled object is a " +
                                std::string(PickleKindName(root.kind)) + ", not a state dict");
  }
  std::string reason = NotStateDictReason(root);
  if (reason.empty()) return &root;
  for (const char* key : kWrapperKeys) {
    const PickleValue* inner = root.Find(key);
    if (inner != nullptr && inner->kind == PickleKind::kDict &&
        NotStateDictReason(*inner).empty()) {
      return inner;
    }
  }
  return InvalidArgumentError(path + ": not a state dict: the top-level dict " + reason +
                              ", and no 'state_dict'/'model'/'model_state_dict' entry holds one");
}

StatusOr<bool> IsBigEndian(PthArchive& archive) {
  if (!archive.Has("byteorder")) return false;  // older writers: little-endian
  VIT_ASSIGN_OR_RETURN(PthRecord record, archive.Read("byteorder"));
  std::string order(static_cast<const char*>(record.data.get()), record.size);
  if (order == "little") return false;
  if (order == "big") return true;
  return InvalidArgumentError(archive.path() + ": unknown byteorder record '" +
                              order.substr(0, 16) + "'");
}

StatusOr<TensorMap> ReadPthStateDictOrThrow(const std::string& path) {
  VIT_ASSIGN_OR_RETURN(std::unique_ptr<PthArchive> archive, PthArchive::Open(path));
  PthArchive& zip = *archive;
  if (!zip.Has("data.pkl")) {
    return InvalidArgumentError(path +
                                ": archive has no data.pkl record, so it is not a "
                                "torch.save file");
  }
  VIT_ASSIGN_OR_RETURN(PthRecord pickle, zip.Read("data.pkl"));
  VIT_ASSIGN_OR_RETURN(
      PickleValuePtr root,
      RunRestrictedPickle(
          std::string_view(static_cast<const char*>(pickle.data.get()), pickle.size),
          path + ": data.pkl"));
  VIT_ASSIGN_OR_RETURN(const PickleValue* state_dict, SelectStateDict(path, *root));
  VIT_ASSIGN_OR_RETURN(bool big_endian, IsBigEndian(zip));

  PthTensorBuilder builder(&zip, big_endian);
  TensorMap tensors;
  tensors.reserve(state_dict->entries.size());
  for (const auto& [key, value] : state_dict->entries) {
    VIT_ASSIGN_OR_RETURN(torch::Tensor tensor, builder.Build(key->text, *value->tensor));
    tensors.emplace_back(key->text, std::move(tensor));
  }
  return tensors;
}

}  // namespace

StatusOr<TensorMap> ReadPthStateDict(const std::string& path) {
  // The helpers return errors as values; this only catches what LibTorch or
  // the allocator may still throw (c10::Error, std::bad_alloc).
  try {
    return ReadPthStateDictOrThrow(path);
  } catch (const c10::Error& e) {
    return InternalError(path + ": " + e.what_without_backtrace());
  } catch (const std::exception& e) {
    return InternalError(path + ": " + e.what());
  }
}

}  // namespace vit
