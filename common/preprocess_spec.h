// What a model expects of its input pixels, as data. The model library fills it
// in from a checkpoint's config; the preprocessing library executes it. Neither
// depends on the other: this header has no dependencies.
#pragma once

#include <string>
#include <vector>

namespace vit {

enum class ResizeMode {
  // timm and torchvision eval: resize the shorter side to `resize_shorter_side`
  // keeping the aspect ratio, then center-crop input_height x input_width.
  kShorterSideThenCenterCrop,
  // Hugging Face ViTImageProcessor: resize to exactly input_height x input_width.
  kExact,
};

enum class Interpolation { kNearest, kBilinear, kBicubic };

const char* ResizeModeName(ResizeMode mode);
const char* InterpolationName(Interpolation interpolation);

struct PreprocessSpec {
  /// 3 = RGB (PIL convert('RGB') semantics), 1 = grayscale (luma, PIL convert('L')).
  int channels = 3;
  /// Size of the crop fed to the model, in pixels.
  int input_height = 224;
  int input_width = 224;
  /// How the decoded image is brought to input size.
  ResizeMode resize_mode = ResizeMode::kShorterSideThenCenterCrop;
  /// Target of the shorter side for kShorterSideThenCenterCrop
  /// (timm: floor(input_size / crop_pct); torchvision presets: 256).
  int resize_shorter_side = 256;
  /// Resampling filter; PIL's antialiased filters are matched.
  Interpolation interpolation = Interpolation::kBilinear;
  /// Per-channel normalization applied to pixel/255: (x - mean) / std.
  std::vector<float> mean{0.485f, 0.456f, 0.406f};
  std::vector<float> std{0.229f, 0.224f, 0.225f};
  /// Patch size of the model's patch embedding (tokens are P*P*C long).
  int patch_size = 16;

  int grid_height() const { return input_height / patch_size; }
  int grid_width() const { return input_width / patch_size; }
  int num_patches() const { return grid_height() * grid_width(); }
  int token_dim() const { return channels * patch_size * patch_size; }
  // One line for logs and --help output.
  std::string ToString() const;
};

}  // namespace vit
