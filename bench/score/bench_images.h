// Benchmark input: width x height JPEGs of smooth random content.
#pragma once

#include <string>

#include "common/status.h"

namespace vit::bench {

/// Writes img_00000.jpg ... into `dir` (quality 90, seeded, reproducible).
Status WriteBenchJpegs(const std::string& dir, int count, int width, int height);

}  // namespace vit::bench
