// vit-score --explain-dir: where a scored file's explanation overlay goes
// (the scored path mirrored under the folder) and writing it.
#pragma once

#include <string>

#include "common/status.h"

namespace vit::score {

/// DIR/PATH.explain.png with PATH the scored path made relative: a leading
/// root is dropped and each ".." component becomes "__", so that every
/// input gets its own file inside DIR (a/x.jpg and b/x.jpg stay apart).
std::string ExplainOverlayPath(const std::string& dir, const std::string& scored_path);

/// Writes `png` to ExplainOverlayPath(dir, scored_path), creating folders.
/// INTERNAL naming the file when it cannot be written.
Status WriteExplainOverlay(const std::string& dir, const std::string& scored_path,
                           const std::string& png);

}  // namespace vit::score
