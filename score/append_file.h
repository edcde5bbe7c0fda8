// A file opened for appending whole records, each handed to the kernel with
// one write(): what was written survives a crash of the process (SIGKILL);
// only a record cut by the crash itself can be partial.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "common/status.h"

namespace vit::score {

class AppendFile {
 public:
  /// Creates `path` when missing, then truncates it to `keep_bytes` (the end of
  /// its last complete record; dropping a partial one).
  static StatusOr<std::unique_ptr<AppendFile>> Open(const std::string& path, size_t keep_bytes);
  ~AppendFile();
  AppendFile(const AppendFile&) = delete;
  AppendFile& operator=(const AppendFile&) = delete;

  /// Appends `record`; an error (disk full, I/O error) names the file.
  Status Append(const std::string& record);
  const std::string& path() const { return path_; }

 private:
  AppendFile(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  const std::string path_;
  const int fd_;
};

/// Reads `path` chunk by chunk into `consume(data, size)`; OK with nothing read
/// when the file does not exist.
template <typename Consume>
Status ReadFileChunks(const std::string& path, Consume consume);

}  // namespace vit::score

#include "score/append_file_inl.h"
