// The 1000 ImageNet-1k class descriptions (from timm), for checkpoints that
// carry no label names. Embedded at build time from imagenet1k_labels.tsv.
#pragma once

#include <string>
#include <vector>

namespace vit {

/// Index order; each entry is the description column, e.g. "tench, Tinca tinca".
const std::vector<std::string>& ImageNet1kLabels();

}  // namespace vit
