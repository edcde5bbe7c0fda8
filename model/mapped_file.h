// A whole file mapped into memory (private, copy-on-write), shared by the
// tensors that view it. Weights read this way are paged in only when a
// consumer touches them, and each tensor hands its pages back when it is
// freed, so a loader that converts weights block by block (the fast path's
// packing) never holds the whole float32 model resident. A file truncated
// by another process while mapped would fault on access (SIGBUS): model
// files are not expected to change under a loading process.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "common/status.h"

namespace vit {

class MappedFile {
 public:
  /// Maps `path` (must be a regular, non-empty file); errors name the file.
  static StatusOr<std::shared_ptr<MappedFile>> Open(const std::string& path);

  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  /// Writable (copy-on-write: writes never reach the file).
  char* data() const { return data_; }
  uint64_t size() const { return size_; }

  /// Drops the resident pages that lie wholly inside [offset, offset + length)
  /// from this process (they stay in the page cache). Reading them again would
  /// fetch the file's bytes, so call it only once nothing views the range.
  void Release(uint64_t offset, uint64_t length) const;

 private:
  MappedFile(char* data, uint64_t size) : data_(data), size_(size) {}

  char* data_;
  uint64_t size_;
};

}  // namespace vit
