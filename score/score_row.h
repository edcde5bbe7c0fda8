// One output row: a file's top-k predictions, or the reason it failed.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/topk.h"

namespace vit::score {

struct ScoreRow {
  /// Position in the walk (0, 1, 2, ... over the files this run scores).
  uint64_t sequence = 0;
  /// The file as named in the output (OutputPath of the walked path).
  std::string path;
  /// Best first; empty when `error` is set.
  std::vector<Prediction> predictions;
  /// Pooled features; empty unless embeddings were asked for and scoring succeeded.
  std::vector<float> embedding;
  /// The explanation overlay (PNG); empty unless --explain-dir and scoring succeeded.
  std::string overlay_png;
  /// "" on success, else "CODE: message" (one line).
  std::string error;
};

}  // namespace vit::score
