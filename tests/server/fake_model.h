// Fakes of the server's ModelBackend and Preprocessor for tests that need no
// LibTorch: an "image" is the text "class:N" (N < 4) and the model puts its
// largest logit on class N; anything else fails to "decode".
#pragma once

#include <atomic>
#include <mutex>
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
  std::vector<int> batch_sizes() {
    std::lock_guard<std::mutex> lock(mu_);
    return batch_sizes_;
  }

 private:
  const ModelInfo info_ = FakeModelInfo();
  std::mutex mu_;  // guards batch_sizes_
  std::vector<int> batch_sizes_;
};

}  // namespace vit::server::testing
