// Streams the image files under a list of paths in a deterministic order,
// without ever holding the whole list: one sorted listing per directory on the
// current descent path (memory ~ depth x largest directory).
//
// Order: the paths in the order given; inside a directory, entries sorted by
// their name's bytes, a subdirectory's files at the subdirectory's place
// (depth first). Symbolic links to files are followed; symbolic links to
// directories are not (no cycles); dangling links are kept (they fail when
// read); FIFOs, sockets and devices are skipped.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"

namespace vit::score {

struct WalkerOptions {
  /// File extensions to keep, lower case without the dot; matched case-
  /// insensitively. Empty = every regular file. Files named directly on the
  /// command line are always kept.
  std::vector<std::string> extensions;
};

struct WalkEntry {
  /// The file (or, with an error, the directory) as it is opened: the input
  /// path joined with the names below it.
  std::string path;
  /// Non-OK when `path` could not be listed or does not exist; such entries are
  /// reported as failed rows, the walk goes on.
  Status error;
};

class FileWalker {
 public:
  FileWalker(std::vector<std::string> roots, WalkerOptions options);
  FileWalker(const FileWalker&) = delete;
  FileWalker& operator=(const FileWalker&) = delete;

  /// The next entry; false when the walk is over.
  bool Next(WalkEntry* entry);

 private:
  struct Child {
    std::string name;
    bool is_directory = false;  // a real directory, not a link to one
  };
  struct Frame {
    std::string directory;
    std::vector<Child> children;  // sorted by name
    size_t next = 0;
  };

  // Lists `directory` into a new frame; a non-OK status when it cannot be listed.
  Status Descend(const std::string& directory);
  bool NextRoot(WalkEntry* entry);
  bool KeepsExtension(const std::string& name) const;

  const std::vector<std::string> roots_;
  const WalkerOptions options_;
  size_t next_root_ = 0;
  std::vector<Frame> stack_;
};

/// Splits "jpg,.PNG, webp" into {"jpg", "png", "webp"}.
std::vector<std::string> ParseExtensions(const std::string& list);

}  // namespace vit::score
