// libFuzzer harness: arbitrary bytes as an encoded image through decode,
// colour conversion, EXIF orientation, PIL-exact resize / crop and
// patchify, for the pipelines the server runs (timm, Hugging Face,
// torchvision, the grayscale default model; exact and reduced JPEG decode).
// Every input must come back as a Status; tokens of an accepted image must
// lie in the normalized range of 8-bit pixels.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "fuzz/fuzz_check.h"
#include "preprocessing/image_preprocessor.h"

namespace {

using vit::Interpolation;
using vit::PreprocessSpec;
using vit::ResizeMode;
using vit::preprocessing::ImagePreprocessor;
using vit::preprocessing::PreprocessOptions;

// The pixel budget (the library's decompression-bomb guard) is lowered from
// 64 Mpx so that one input cannot take seconds or gigabytes under ASan.
constexpr int64_t kMaxPixels = 4'000'000;

PreprocessSpec Spec(int channels, int size, ResizeMode mode, int shorter_side,
                    Interpolation interpolation) {
  PreprocessSpec spec;
  spec.channels = channels;
  spec.input_height = size;
  spec.input_width = size;
  spec.resize_mode = mode;
  spec.resize_shorter_side = shorter_side;
  spec.interpolation = interpolation;
  if (channels == 1) {
    spec.mean = {0.286f};
    spec.std = {0.353f};
    spec.patch_size = 4;
  }
  return spec;
}

std::vector<ImagePreprocessor> MakePreprocessors() {
  PreprocessOptions exact;
  exact.max_pixels = kMaxPixels;
  PreprocessOptions reduced = exact;
  reduced.reduced_decode = true;
  std::vector<ImagePreprocessor> preprocessors;
  // timm (crop_pct 0.875, bicubic), Hugging Face (exact resize), torchvision
  // (256 then 224) with reduced JPEG decode, the default model (1 channel).
  preprocessors.emplace_back(
      Spec(3, 224, ResizeMode::kShorterSideThenCenterCrop, 256, Interpolation::kBicubic), exact);
  preprocessors.emplace_back(Spec(3, 224, ResizeMode::kExact, 224, Interpolation::kBilinear),
                             exact);
  preprocessors.emplace_back(
      Spec(3, 224, ResizeMode::kShorterSideThenCenterCrop, 256, Interpolation::kBilinear), reduced);
  preprocessors.emplace_back(
      Spec(1, 28, ResizeMode::kShorterSideThenCenterCrop, 28, Interpolation::kNearest), exact);
  for (const auto& preprocessor : preprocessors)
    FUZZ_CHECK(preprocessor.init_status().ok(), preprocessor.init_status().ToString());
  return preprocessors;
}

void CheckTokens(const ImagePreprocessor& preprocessor, const std::vector<float>& tokens) {
  const PreprocessSpec& spec = preprocessor.spec();
  const int per_pixel = spec.patch_size * spec.patch_size;
  for (size_t i = 0; i < tokens.size(); ++i) {
    // Tokens are [N, C*P*P] with the channel outermost inside a token.
    const size_t channel = (i % spec.token_dim()) / per_pixel;
    const float mean = spec.mean.size() == 1 ? spec.mean[0] : spec.mean[channel];
    const float std = spec.std.size() == 1 ? spec.std[0] : spec.std[channel];
    const float low = (0.0f - mean) / std - 1e-4f;
    const float high = (1.0f - mean) / std + 1e-4f;
    FUZZ_CHECK(std::isfinite(tokens[i]) && tokens[i] >= low && tokens[i] <= high,
               "token " + std::to_string(i) + " = " + std::to_string(tokens[i]) +
                   " outside the normalized pixel range, " + spec.ToString());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::vector<ImagePreprocessor> preprocessors = MakePreprocessors();
  for (const auto& preprocessor : preprocessors) {
    std::vector<float> tokens(preprocessor.tokens_size());
    const vit::Status status = preprocessor.EncodedToTokens(data, size, tokens.data());
    if (status.ok()) {
      CheckTokens(preprocessor, tokens);
    } else {
      FUZZ_CHECK(!status.message().empty(), "an error without a message");
    }
  }
  return 0;
}
