// Named ViT sizes with random weights, written once as model folders so that
// the benchmark loads them through the same path as a real checkpoint.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"

namespace vit::tools {

/// vit_tiny_patch16_224, vit_small_patch16_224, vit_base_patch16_224.
std::vector<std::string> PresetNames();
bool IsPreset(const std::string& name);

/// The folder of preset `name` under `cache_dir` (created with random,
/// seeded weights and a timm-style config.json on first use).
StatusOr<std::string> PresetFolder(const std::string& name, const std::string& cache_dir);

/// $VIT_BENCH_CACHE, else $TMPDIR/vit-bench-presets (TMPDIR defaults to /tmp).
std::string DefaultPresetCache();

}  // namespace vit::tools
