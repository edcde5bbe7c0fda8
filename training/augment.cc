#include "training/augment.h"

#include <torch/types.h>

#include <algorithm>
#include <cmath>
#include <cstring>

namespace vit::training {
namespace {

// Shifts the image by (dy, dx) with zero fill: a crop of the padded image.
void Translate(uint8_t* image, int h, int w, int dy, int dx, std::vector<uint8_t>& scratch) {
  scratch.assign(static_cast<size_t>(h) * w, 0);
  for (int y = 0; y < h; ++y) {
    const int sy = y - dy;
    if (sy < 0 || sy >= h) continue;
    for (int x = 0; x < w; ++x) {
      const int sx = x - dx;
      if (sx >= 0 && sx < w) scratch[y * w + x] = image[sy * w + sx];
    }
  }
  std::memcpy(image, scratch.data(), scratch.size());
}

void FlipHorizontal(uint8_t* image, int h, int w) {
  for (int y = 0; y < h; ++y) std::reverse(image + y * w, image + (y + 1) * w);
}

void EraseRectangle(uint8_t* image, int h, int w, const AugmentOptions& options,
                    std::mt19937& rng) {
  std::uniform_real_distribution<double> area_dist(options.erase_min_area, options.erase_max_area);
  std::uniform_real_distribution<double> log_ratio(std::log(0.3), std::log(1.0 / 0.3));
  const double area = area_dist(rng) * h * w;
  const double ratio = std::exp(log_ratio(rng));
  const int eh = std::clamp(static_cast<int>(std::lround(std::sqrt(area * ratio))), 1, h);
  const int ew = std::clamp(static_cast<int>(std::lround(std::sqrt(area / ratio))), 1, w);
  const int top = std::uniform_int_distribution<int>(0, h - eh)(rng);
  const int left = std::uniform_int_distribution<int>(0, w - ew)(rng);
  for (int y = top; y < top + eh; ++y) std::memset(image + y * w + left, 0, ew);
}

}  // namespace

void AugmentBatch(torch::Tensor& images, const AugmentOptions& options, std::mt19937& rng) {
  TORCH_CHECK(images.dim() == 3 && images.scalar_type() == torch::kUInt8 && images.is_contiguous(),
              "AugmentBatch expects contiguous uint8 [B, H, W], got ", images.sizes());
  const int b = static_cast<int>(images.size(0));
  const int h = static_cast<int>(images.size(1));
  const int w = static_cast<int>(images.size(2));
  uint8_t* data = images.data_ptr<uint8_t>();
  std::uniform_int_distribution<int> shift(-options.crop_padding, options.crop_padding);
  std::uniform_real_distribution<double> coin(0.0, 1.0);
  std::vector<uint8_t> scratch;
  for (int i = 0; i < b; ++i) {
    uint8_t* image = data + static_cast<size_t>(i) * h * w;
    // Every draw happens whatever the options, so one seed gives one sequence.
    const int dy = shift(rng);
    const int dx = shift(rng);
    const bool flip = coin(rng) < options.hflip_prob;
    const bool erase = coin(rng) < options.erase_prob;
    if (dy != 0 || dx != 0) Translate(image, h, w, dy, dx, scratch);
    if (flip) FlipHorizontal(image, h, w);
    if (erase) EraseRectangle(image, h, w, options, rng);
  }
}

torch::Tensor NormalizeBatch(const torch::Tensor& images, float mean, float std) {
  return images.to(torch::kFloat32).div_(255.0f).sub_(mean).div_(std).unsqueeze(1);
}

std::pair<float, float> PixelMeanStd(const torch::Tensor& images) {
  const auto pixels = images.to(torch::kFloat64).div(255.0);
  return {static_cast<float>(pixels.mean().item<double>()),
          static_cast<float>(pixels.std(/*unbiased=*/false).item<double>())};
}

}  // namespace vit::training
