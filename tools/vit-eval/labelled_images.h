// The images vit-eval scores: an IDX split (uint8 images + labels) or a
// folder-per-class tree whose sub-folder names are the model's labels (or
// class indices).
#pragma once

#include <string>
#include <vector>

#include "common/status.h"
#include "training/idx_dataset.h"

namespace vit::eval {

struct LabelledFile {
  std::string path;
  int label = 0;
};

struct LabelledImages {
  /// Set for IDX data.
  training::IdxDataset idx;
  /// Set for a folder tree.
  std::vector<LabelledFile> files;
  bool is_idx() const { return idx.size() > 0; }
  int64_t size() const { return is_idx() ? idx.size() : static_cast<int64_t>(files.size()); }
};

/// Sub-folder name -> class index: the exact label, the label compared
/// case-insensitively on letters and digits only ("T-shirt/top" = "tshirt_top"),
/// or a decimal class index. -1 when nothing matches.
int MatchClassFolder(const std::string& folder, const std::vector<std::string>& labels);

/// IDX split `split` when `dir` holds one, else a folder-per-class tree
/// (image files directly inside each class folder, sorted by name).
StatusOr<LabelledImages> LoadLabelledImages(const std::string& dir, const std::string& split,
                                            const std::vector<std::string>& labels);

}  // namespace vit::eval
