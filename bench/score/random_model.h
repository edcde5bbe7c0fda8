// Random-weight model folders (timm parameter names, written by
// SaveModelFolder), for benchmarks where no trained checkpoint of the wanted
// size exists.
#pragma once

#include <string>

#include "common/status.h"

namespace vit::bench {

/// "vit-s16": ViT-S/16 (embed_dim 384, depth 12, 6 heads, 224 px, 1000
/// ImageNet classes, timm's bicubic crop_pct 0.9 preprocessing).
/// "fashion-mnist": the embedded default model's architecture (vit-train's
/// defaults: 28 px gray, patch 4, dim 128, depth 6, 4 heads, 10 classes).
Status WriteRandomModel(const std::string& preset, const std::string& dir, int seed);

}  // namespace vit::bench
