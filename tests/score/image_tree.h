// Generated test images: small JPEG and PNG files in nested folders.
#pragma once

#include <string>
#include <vector>

namespace vit::score::testing {

/// Writes `count` images (alternately JPEG and PNG, 24-64 px a side,
/// tests/support's synthetic photos) under `root` in folders three levels
/// deep; returns their paths.
std::vector<std::string> MakeImageTree(const std::string& root, int count);

}  // namespace vit::score::testing
