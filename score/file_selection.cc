#include "score/file_selection.h"

namespace vit::score {

int64_t CountSelectedFiles(const FileSelection& selection, const DoneSet& done,
                           const std::atomic<bool>& stop) {
  FileWalker walker(selection.inputs, selection.walker);
  WalkEntry entry;
  int64_t count = 0;
  while (walker.Next(&entry)) {
    if (stop.load(std::memory_order_relaxed)) return -1;
    const uint64_t hash = StableHash(OutputPath(entry.path));
    if (selection.shard.Contains(hash) && !done.Contains(hash)) ++count;
  }
  return count;
}

}  // namespace vit::score
