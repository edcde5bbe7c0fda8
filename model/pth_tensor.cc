#include "model/pth_tensor.h"

#include <c10/util/Exception.h>
#include <torch/types.h>

#include <algorithm>
#include <memory>
#include <utility>

namespace vit {
namespace {

// The legacy typed-storage class names torch.save writes, and how to read them.
// Bool is read as bytes so that values other than 0/1 cannot reach a C++ bool.
bool StorageDtype(const std::string& type_name, c10::ScalarType* dtype) {
  static const std::pair<const char*, c10::ScalarType> kTypes[] = {
      {"FloatStorage", c10::kFloat},       {"HalfStorage", c10::kHalf},
      {"BFloat16Storage", c10::kBFloat16}, {"DoubleStorage", c10::kDouble},
      {"LongStorage", c10::kLong},         {"IntStorage", c10::kInt},
      {"ShortStorage", c10::kShort},       {"CharStorage", c10::kChar},
      {"ByteStorage", c10::kByte},         {"BoolStorage", c10::kByte},
  };
  for (const auto& [name, type] : kTypes) {
    if (type_name == name) {
      *dtype = type;
      return true;
    }
  }
  return false;
}

void SwapBytes(char* data, size_t count, size_t width) {
  for (size_t i = 0; i < count; ++i) std::reverse(data + i * width, data + (i + 1) * width);
}

}  // namespace

StatusOr<const PthTensorBuilder::LoadedStorage*> PthTensorBuilder::Load(
    const std::string& name, const PickleStorage& storage) {
  const std::string& path = archive_->path();
  auto cached = cache_.find(storage.key);
  if (cached != cache_.end()) {
    if (cached->second.type_name != storage.type_name || cached->second.numel != storage.numel) {
      return InvalidArgumentError(path + ": tensor '" + name + "': storage '" + storage.key +
                                  "' is declared both as " + cached->second.type_name + "[" +
                                  std::to_string(cached->second.numel) + "] and " +
                                  storage.type_name + "[" + std::to_string(storage.numel) + "]");
    }
    return &cached->second;
  }
  c10::ScalarType dtype;
  if (!StorageDtype(storage.type_name, &dtype)) {
    return UnimplementedError(path + ": tensor '" + name + "': storage type " + storage.type_name +
                              " is not supported");
  }
  const std::string record = "data/" + storage.key;
  if (!archive_->Has(record)) {
    return DataLossError(path + ": tensor '" + name + "': storage record '" + record +
                         "' is missing from the archive");
  }
  VIT_ASSIGN_OR_RETURN(PthRecord bytes, archive_->Read(record));
  const size_t width = c10::elementSize(dtype);
  const uint64_t expected = static_cast<uint64_t>(storage.numel) * width;
  if (storage.numel > (int64_t{1} << 60) / static_cast<int64_t>(width) || bytes.size != expected) {
    return DataLossError(path + ": tensor '" + name + "': storage record '" + record + "' holds " +
                         std::to_string(bytes.size) + " bytes, but the pickle declares " +
                         std::to_string(storage.numel) + " x " + std::to_string(width) + " bytes");
  }
  LoadedStorage loaded{storage.type_name, storage.numel, {}};
  if (storage.numel == 0) {
    loaded.data = torch::empty({0}, torch::TensorOptions().dtype(dtype));
  } else {
    char* raw = static_cast<char*>(bytes.data.get());
    if (big_endian_ && width > 1) SwapBytes(raw, storage.numel, width);
    // The tensor keeps the record's buffer alive instead of copying it.
    auto owner = std::make_shared<at::DataPtr>(std::move(bytes.data));
    loaded.data = torch::from_blob(
        raw, {storage.numel}, [owner](void*) mutable { owner.reset(); },
        torch::TensorOptions().dtype(dtype));
  }
  return &cache_.emplace(storage.key, std::move(loaded)).first->second;
}

StatusOr<torch::Tensor> PthTensorBuilder::Build(const std::string& name, const PickleTensor& ref) {
  const std::string where = archive_->path() + ": tensor '" + name + "': ";
  // Validate the view before touching the storage: as_strided would read out of bounds.
  if (ref.storage_offset < 0) return DataLossError(where + "negative storage offset");
  int64_t numel = 1;
  int64_t last = ref.storage_offset;  // highest element index the view reads
  for (size_t d = 0; d < ref.size.size(); ++d) {
    if (ref.size[d] < 0 || ref.stride[d] < 0) {
      return DataLossError(where + "negative size or stride in dim " + std::to_string(d));
    }
    int64_t reach = 0;
    if (__builtin_mul_overflow(numel, ref.size[d], &numel) ||
        (ref.size[d] > 0 && (__builtin_mul_overflow(ref.size[d] - 1, ref.stride[d], &reach) ||
                             __builtin_add_overflow(last, reach, &last)))) {
      return DataLossError(where + "size/stride overflow in dim " + std::to_string(d));
    }
  }
  const int64_t storage_numel = ref.storage.numel;
  if ((numel > 0 && last >= storage_numel) || ref.storage_offset > storage_numel) {
    return DataLossError(where + "view (offset " + std::to_string(ref.storage_offset) +
                         ", last element " + std::to_string(last) + ") exceeds its storage '" +
                         ref.storage.key + "' of " + std::to_string(storage_numel) + " elements");
  }
  VIT_ASSIGN_OR_RETURN(const LoadedStorage* storage, Load(name, ref.storage));
  try {
    torch::Tensor view = storage->data.as_strided(ref.size, ref.stride, ref.storage_offset);
    if (ref.storage.type_name == "BoolStorage") view = view.ne(0);
    torch::Tensor out = torch::empty(ref.size, torch::TensorOptions().dtype(torch::kFloat32));
    out.copy_(view);
    return out;
  } catch (const c10::Error& e) {
    return InternalError(where + "cannot build the tensor: " + e.what_without_backtrace());
  } catch (const std::exception& e) {
    return InternalError(where + "cannot build the tensor: " + e.what());
  }
}

}  // namespace vit
