// Materializes the tensors a state-dict pickle describes: reads each storage
// record once, checks every view against its storage, widens to float32.
#pragma once

#include <ATen/core/Tensor.h>

#include <string>
#include <unordered_map>

#include "common/status.h"
#include "model/pickle_value.h"
#include "model/pth_archive.h"

namespace vit {

class PthTensorBuilder {
 public:
  /// `big_endian`: the archive's byteorder record says "big".
  PthTensorBuilder(PthArchive* archive, bool big_endian)
      : archive_(archive), big_endian_(big_endian) {}

  /// A contiguous float32 CPU copy of `ref`; `name` is for messages.
  StatusOr<at::Tensor> Build(const std::string& name, const PickleTensor& ref);

 private:
  struct LoadedStorage {
    std::string type_name;
    int64_t numel = 0;
    at::Tensor data;  // 1-D, the storage's own dtype
  };
  StatusOr<const LoadedStorage*> Load(const std::string& name, const PickleStorage& storage);

  PthArchive* archive_;
  bool big_endian_;
  std::unordered_map<std::string, LoadedStorage> cache_;  // by storage key
};

}  // namespace vit
