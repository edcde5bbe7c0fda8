// Record access to a torch.save zip archive through LibTorch's own
// PyTorchStreamReader, with every failure turned into a Status.
#pragma once

#include <c10/core/Allocator.h>

#include <cstddef>
#include <memory>
#include <string>

#include "common/status.h"

namespace caffe2::serialize {
class PyTorchStreamReader;
}

namespace vit {

struct PthRecord {
  at::DataPtr data;
  size_t size = 0;
};

class PthArchive {
 public:
  /// Opens `path`; rejects missing, empty, legacy (non-zip) and non-zip files.
  static StatusOr<std::unique_ptr<PthArchive>> Open(const std::string& path);
  ~PthArchive();

  /// Record names are relative to the archive's top folder (whatever torch.save
  /// named it), e.g. "data.pkl", "data/0", "byteorder".
  bool Has(const std::string& name);
  StatusOr<PthRecord> Read(const std::string& name);
  const std::string& path() const { return path_; }

 private:
  PthArchive(std::string path, std::unique_ptr<caffe2::serialize::PyTorchStreamReader> reader);

  std::string path_;
  std::unique_ptr<caffe2::serialize::PyTorchStreamReader> reader_;
};

}  // namespace vit
