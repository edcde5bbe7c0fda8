// Training-time augmentation for small grayscale images (Fashion-MNIST):
// random translation (a random crop of the zero-padded image), horizontal flip
// and random erasing, all drawn from a caller-owned std::mt19937 so a seed fixes
// every decision.
#pragma once

#include <ATen/core/Tensor.h>

#include <random>
#include <utility>
#include <vector>

namespace vit::training {

struct AugmentOptions {
  /// Zero padding on each side before a random crop of the original size; 0 = no crop. Default 2.
  int crop_padding = 2;
  /// Probability of a horizontal flip. Default 0.5.
  double hflip_prob = 0.5;
  /// Probability of erasing one random rectangle (to background 0). Default 0.25.
  double erase_prob = 0.25;
  /// Erased area as a fraction of the image, drawn uniformly in [min, max]. Default 0.02-0.2.
  double erase_min_area = 0.02;
  double erase_max_area = 0.2;
};

/// Augments `images` (uint8 [B, H, W]) in place, one independent draw per image.
void AugmentBatch(at::Tensor& images, const AugmentOptions& options, std::mt19937& rng);

/// uint8 [B, H, W] -> float [B, 1, H, W] as (x / 255 - mean) / std.
at::Tensor NormalizeBatch(const at::Tensor& images, float mean, float std);

/// Mean and standard deviation of pixel / 255 over a uint8 image tensor.
std::pair<float, float> PixelMeanStd(const at::Tensor& images);

}  // namespace vit::training
