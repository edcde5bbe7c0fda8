// Fakes of the server's ModelBackend and Preprocessor for tests that need no
// LibTorch: an "image" is the text "class:N" (N < 4) and the model puts its
// largest logit on class N; anything else fails to "decode". Its attention
// (2 blocks, a class token and a 2 x 2 patch grid) puts most weight on patch
// N, so an explanation's hottest patch is N; its "overlay" is the text
// "overlay:" + the image.
#pragma once

#include <atomic>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "server/model_backend.h"

namespace vit::server::testing {

inline ModelInfo FakeModelInfo() {
  ModelInfo info;
  info.id = "fake-model";
  info.architecture = "fake";
  info.num_classes = 4;
  info.feature_dim = 3;
  info.labels = {"zero", "one", "two", "three"};
  info.preprocess.input_height = 32;
  info.preprocess.input_width = 32;
  info.preprocess.patch_size = 16;
  info.depth = 2;
  info.num_prefix_tokens = 1;
  info.has_class_token = true;
  return info;
}

class FakePreprocessor final : public Preprocessor {
 public:
  size_t tokens_size() const override {
    const PreprocessSpec& spec = FakeModelInfo().preprocess;
    return static_cast<size_t>(spec.num_patches()) * spec.token_dim();
  }
  size_t max_image_bytes() const override { return max_bytes; }

  /// What max_image_bytes() reports (the service refuses larger images).
  size_t max_bytes = size_t{1} << 20;
  Status EncodedToTokens(const uint8_t* data, size_t size, float* out) const override {
    const std::string text(reinterpret_cast<const char*>(data), size);
    if (text.size() != 7 || text.compare(0, 6, "class:") != 0 || text[6] < '0' || text[6] > '3')
      return InvalidArgumentError("cannot decode the image (fake decoder)");
    for (size_t i = 0; i < tokens_size(); ++i) out[i] = static_cast<float>(text[6] - '0');
    return Status::Ok();
  }
  StatusOr<std::string> RenderOverlay(const uint8_t* data, size_t size,
                                      const Heatmap& heatmap) const override {
    if (heatmap.values.empty()) return InvalidArgumentError("empty heat map (fake overlay)");
    return "overlay:" + std::string(reinterpret_cast<const char*>(data), size);
  }
};

class FakeBackend final : public ModelBackend {
 public:
  const ModelInfo& info() const override { return info_; }
  Status Run(const float* tokens, int batch, float* logits, float* features) override {
    const size_t tokens_size = FakePreprocessor().tokens_size();
    {
      std::lock_guard<std::mutex> lock(mu_);
      batch_sizes_.push_back(batch);
    }
    for (int b = 0; b < batch; ++b) {
      const float value = tokens[b * tokens_size];
      for (int c = 0; logits != nullptr && c < info_.num_classes; ++c)
        logits[b * info_.num_classes + c] = (c == static_cast<int>(value)) ? 3.0f : 0.0f;
      for (int f = 0; features != nullptr && f < info_.feature_dim; ++f)
        features[b * info_.feature_dim + f] = value * 10 + f;
    }
    return Status::Ok();
  }
  Status RunWithAttention(const float* tokens, int batch, float* logits, float* features,
                          const AttentionCapture& capture) override {
    if (capture.fusion.size() != static_cast<size_t>(batch))
      return InvalidArgumentError("fake backend: capture size differs from the batch");
    {
      std::lock_guard<std::mutex> lock(mu_);
      captured_.push_back(capture.fusion);
    }
    const size_t tokens_size = FakePreprocessor().tokens_size();
    const int t = info_.num_tokens();
    for (int b = 0; b < batch; ++b) {
      if (!capture.fusion[b].has_value()) continue;
      const int hot = 1 + static_cast<int>(tokens[b * tokens_size]);  // patch N's token
      for (int l = 0; l < info_.depth; ++l) {
        float* a = capture.attention + (static_cast<size_t>(b) * info_.depth + l) * t * t;
        for (int r = 0; r < t; ++r)
          for (int c = 0; c < t; ++c) a[r * t + c] = c == hot ? 0.6f : 0.1f;
      }
    }
    return Run(tokens, batch, logits, features);
  }
  std::vector<int> batch_sizes() {
    std::lock_guard<std::mutex> lock(mu_);
    return batch_sizes_;
  }
  /// The capture.fusion of every RunWithAttention call.
  std::vector<std::vector<std::optional<HeadFusion>>> captured() {
    std::lock_guard<std::mutex> lock(mu_);
    return captured_;
  }

 private:
  const ModelInfo info_ = FakeModelInfo();
  std::mutex mu_;  // guards batch_sizes_ and captured_
  std::vector<int> batch_sizes_;
  std::vector<std::vector<std::optional<HeadFusion>>> captured_;
};

}  // namespace vit::server::testing
