#include "common/preprocess_spec.h"

#include <sstream>

namespace vit {

const char* ResizeModeName(ResizeMode mode) {
  switch (mode) {
    case ResizeMode::kShorterSideThenCenterCrop:
      return "shorter_side_then_center_crop";
    case ResizeMode::kExact:
      return "exact";
  }
  return "unknown";
}

const char* InterpolationName(Interpolation interpolation) {
  switch (interpolation) {
    case Interpolation::kNearest:
      return "nearest";
    case Interpolation::kBilinear:
      return "bilinear";
    case Interpolation::kBicubic:
      return "bicubic";
  }
  return "unknown";
}

std::string PreprocessSpec::ToString() const {
  std::ostringstream out;
  out << (channels == 1 ? "grayscale" : "rgb") << " " << input_height << "x" << input_width
      << ", resize " << ResizeModeName(resize_mode);
  if (resize_mode == ResizeMode::kShorterSideThenCenterCrop)
    out << " (shorter side " << resize_shorter_side << ")";
  out << ", " << InterpolationName(interpolation) << ", mean [";
  for (size_t i = 0; i < mean.size(); ++i) out << (i ? ", " : "") << mean[i];
  out << "], std [";
  for (size_t i = 0; i < std.size(); ++i) out << (i ? ", " : "") << std[i];
  out << "], patch " << patch_size;
  return out.str();
}

}  // namespace vit
