// Scores with the model loaded into this process: preprocessing on the
// pipeline's workers, InferenceEngine::Run on the inference thread.
#pragma once

#include <memory>
#include <string>

#include "common/explanation.h"
#include "model/inference_engine.h"
#include "preprocessing/heatmap_overlay.h"
#include "preprocessing/image_preprocessor.h"
#include "score/scoring_backend.h"

namespace vit::score {

struct InProcessOptions {
  /// Model folder; "" = the embedded default model.
  std::string model_dir;
  /// Inference dtype, LibTorch threads and engine backend.
  EngineOptions engine;
  /// Limits on each file (max_image_bytes, max_pixels) and decoding options.
  preprocessing::PreprocessOptions preprocess;
  /// Predictions per file. Default 5.
  int top_k = 5;
  /// Return pooled features too. Default false.
  bool embeddings = false;
  /// Also return each file's explanation overlay: attention rollout with
  /// `explain`, rendered with `overlay` (on the inference thread). Default false.
  bool explain_overlays = false;
  ExplainSpec explain;
  preprocessing::OverlayOptions overlay;
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
  std::vector<float> attention_;
  // The heat map of image `index` of the last batch, over its encoded bytes.
  Status Overlay(int index, const std::string& bytes, ScoreResult* result) const;
};

}  // namespace vit::score
