// What the pipeline needs from a model, in process or behind a vit-server:
// per-file preparation on the worker threads, then batched scoring on one
// thread. Per-file failures are results; a non-OK return from Score stops
// the run (the model or the connection is gone).
#pragma once

#include <string>
#include <vector>

#include "common/status.h"
#include "model/topk.h"

namespace vit::score {

/// A file made ready for Score: tokens (in process) or encoded bytes (remote).
struct PreparedInput {
  std::vector<float> tokens;
  std::string bytes;
};

struct ScoreResult {
  /// Non-OK: the file failed (e.g. the server could not decode it).
  Status status;
  /// Best first, top_k long (fewer when the model has fewer classes).
  std::vector<Prediction> predictions;
  /// Pooled features, when the backend was asked for them.
  std::vector<float> embedding;
  /// The explanation overlay (PNG), when the backend was asked for them.
  std::string overlay_png;
};

class ScoringBackend {
 public:
  virtual ~ScoringBackend() = default;

  /// One line for logs: the model and where it runs.
  virtual std::string Describe() const = 0;
  /// Classes of the model (top-k is at most this).
  virtual int num_classes() const = 0;
  /// Reads the file (and in process decodes and preprocesses it) into `input`.
  /// Thread-safe. A non-OK status fails this file only and names it.
  virtual Status Prepare(const std::string& path, PreparedInput* input) const = 0;
  /// Scores `inputs` (any number >= 1), one result per input, in order. Called
  /// from one thread at a time.
  virtual Status Score(const std::vector<PreparedInput*>& inputs,
                       std::vector<ScoreResult>* results) = 0;
};

}  // namespace vit::score
