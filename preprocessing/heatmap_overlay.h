// An explanation heat map blended over the image it explains, as a PNG: the
// image decoded again at its own size (EXIF orientation applied), the heat
// map resized (bicubic) onto the region the model saw (the crop of the
// preprocessing plan, mapped back to the image's coordinates), colour-mapped
// and alpha-blended; pixels outside that region are left as they are.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "common/explanation.h"
#include "common/preprocess_spec.h"
#include "common/status.h"
#include "preprocessing/image_preprocessor.h"

namespace vit::preprocessing {

enum class ColorMap { kJet, kTurbo };

struct OverlayOptions {
  /// Weight of the colour-mapped heat map in [0, 1]; the image gets 1 - opacity.
  /// Default 0.5.
  double opacity = 0.5;
  /// OpenCV's COLORMAP_JET (default) or COLORMAP_TURBO.
  ColorMap color_map = ColorMap::kJet;
};

/// INVALID_ARGUMENT unless opacity is in [0, 1].
Status ValidateOverlayOptions(const OverlayOptions& options);

/// The PNG bytes of `heatmap` (values in [0, 1], clipped) over the image in
/// `data`, which is decoded under `limits` (max_pixels, max_image_bytes;
/// apply_exif_orientation) and mapped with `spec`'s resize plan.
/// INVALID_ARGUMENT for an undecodable image or a heat map whose size is not
/// its grid's; never throws.
StatusOr<std::string> RenderHeatmapOverlay(const uint8_t* data, size_t size, const Heatmap& heatmap,
                                           const PreprocessSpec& spec,
                                           const PreprocessOptions& limits,
                                           const OverlayOptions& options);

}  // namespace vit::preprocessing
