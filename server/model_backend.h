// The two things the server needs from the model and preprocessing
// libraries, as small interfaces: tests substitute fakes, and the server's
// core (pipeline, service) builds without LibTorch.
#pragma once

#include <cstddef>
#include <cstdint>

#include <string>

#include "common/attention_capture.h"  // header-only, no LibTorch
#include "common/explanation.h"
#include "common/model_info.h"  // header-only struct, no LibTorch
#include "common/status.h"

namespace vit::server {

/// Runs batches of patch tokens (see vit::InferenceEngine::Run).
class ModelBackend {
 public:
  virtual ~ModelBackend() = default;
  virtual const ModelInfo& info() const = 0;
  /// Thread-compatible: the server calls it from its inference thread only.
  virtual Status Run(const float* tokens, int batch, float* logits, float* features) = 0;
  /// Run() with an attention capture (see vit::InferenceEngine::RunWithAttention).
  virtual Status RunWithAttention(const float* tokens, int batch, float* logits, float* features,
                                  const AttentionCapture& capture) = 0;
};

/// Turns encoded image bytes into patch tokens (see
/// vit::preprocessing::ImagePreprocessor).
class Preprocessor {
 public:
  virtual ~Preprocessor() = default;
  /// Floats written per image.
  virtual size_t tokens_size() const = 0;
  /// Largest encoded image accepted, in bytes.
  virtual size_t max_image_bytes() const = 0;
  /// Thread-safe. INVALID_ARGUMENT for empty, undecodable or oversized input.
  virtual Status EncodedToTokens(const uint8_t* data, size_t size, float* out) const = 0;
  /// Thread-safe. The PNG of `heatmap` blended over the encoded image at its
  /// own size (see vit::preprocessing::RenderHeatmapOverlay).
  virtual StatusOr<std::string> RenderOverlay(const uint8_t* data, size_t size,
                                              const Heatmap& heatmap) const = 0;
};

}  // namespace vit::server
