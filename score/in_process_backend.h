// Scores with the model loaded into this process: preprocessing on the
// pipeline's workers, InferenceEngine::Run on the inference thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "model/inference_engine.h"
#include "preprocessing/image_preprocessor.h"
#include "score/scoring_backend.h"

namespace vit::score {

struct InProcessOptions {
  /// Model folder; "" = the embedded default model.
  std::string model_dir;
  /// Inference dtype and LibTorch threads (0 = all cores).
  EngineOptions engine;
  /// Predictions per file.
  int top_k = 5;
  /// Return pooled features too.
  bool embeddings = false;
  /// Limits on each file (see preprocessing::PreprocessOptions).
  int64_t max_pixels = 64'000'000;
  size_t max_file_bytes = size_t{64} << 20;
};

class InProcessBackend final : public ScoringBackend {
 public:
  static StatusOr<std::unique_ptr<InProcessBackend>> Create(const InProcessOptions& options);

  std::string Describe() const override;
  int num_classes() const override { return engine_->info().num_classes; }
  Status Prepare(const std::string& path, PreparedInput* input) const override;
  Status Score(const std::vector<PreparedInput*>& inputs,
               std::vector<ScoreResult>* results) override;

 private:
  InProcessBackend(const InProcessOptions& options, std::unique_ptr<InferenceEngine> engine);

  const InProcessOptions options_;
  const std::unique_ptr<InferenceEngine> engine_;
  const preprocessing::ImagePreprocessor preprocessor_;
  // Inference-thread scratch, reused across batches.
  std::vector<float> tokens_;
  std::vector<float> logits_;
  std::vector<float> features_;
};

}  // namespace vit::score
