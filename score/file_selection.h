// Which files a run scores: the walk of the input paths, the extension
// filter, this worker's shard, minus the rows already in the output.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "score/done_set.h"
#include "score/file_walker.h"
#include "score/path_key.h"

namespace vit::score {

struct FileSelection {
  /// Files and folders to walk, in this order.
  std::vector<std::string> inputs;
  WalkerOptions walker;
  ShardSpec shard;
};

/// Counts the files the run will score (for the progress bar's total and
/// ETA); -1 when `stop` turns true first.
int64_t CountSelectedFiles(const FileSelection& selection, const DoneSet& done,
                           const std::atomic<bool>& stop);

}  // namespace vit::score
