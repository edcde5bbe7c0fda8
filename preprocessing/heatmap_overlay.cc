#include "preprocessing/heatmap_overlay.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "preprocessing/color_conversion.h"
#include "preprocessing/exif_orientation.h"
#include "preprocessing/image_decoder.h"
#include "preprocessing/resize_plan.h"

namespace vit::preprocessing {
namespace {

// The upright 8-bit BGR image at its own size.
StatusOr<cv::Mat> DecodeUprightBgr(const uint8_t* data, size_t size,
                                   const PreprocessOptions& limits) {
  const DecodeLimits decode_limits{limits.max_pixels, limits.max_image_bytes};
  VIT_ASSIGN_OR_RETURN(const ImageHeader header, InspectEncodedImage(data, size, decode_limits));
  const int orientation = limits.apply_exif_orientation ? header.exif_orientation : 1;
  if (header.format == ImageFormat::kTiff && OrientationSwapsAxes(orientation)) {
    return UnimplementedError("TIFF with orientation tag " + std::to_string(orientation) +
                              " is not supported");
  }
  VIT_ASSIGN_OR_RETURN(const cv::Mat decoded, DecodePixels(data, size, header, /*reduction=*/1));
  VIT_ASSIGN_OR_RETURN(cv::Mat canonical, ToCanonical8Bit(decoded, /*target_channels=*/3));
  // Grayscale stays one channel there; the colour map blends over three.
  if (canonical.channels() == 1) cv::cvtColor(canonical, canonical, cv::COLOR_GRAY2BGR);
  return ApplyExifOrientation(canonical, orientation);
}

// The crop the model saw, in the upright image's pixel coordinates (it may
// reach outside the image where the pipeline pads).
cv::Rect CropInImage(const PreprocessSpec& spec, cv::Size image) {
  const ResizePlan plan = PlanResize(spec, image);
  const double sx = static_cast<double>(image.width) / plan.resized.width;
  const double sy = static_cast<double>(image.height) / plan.resized.height;
  const int x0 = static_cast<int>(std::lround(plan.crop.x * sx));
  const int y0 = static_cast<int>(std::lround(plan.crop.y * sy));
  const int x1 = static_cast<int>(std::lround((plan.crop.x + plan.crop.width) * sx));
  const int y1 = static_cast<int>(std::lround((plan.crop.y + plan.crop.height) * sy));
  return cv::Rect(x0, y0, std::max(1, x1 - x0), std::max(1, y1 - y0));
}

// The heat map resized to `size` (bicubic), clipped to [0, 1], colour-mapped.
cv::Mat ColouredHeat(const Heatmap& heatmap, cv::Size size, ColorMap color_map) {
  const cv::Mat grid(heatmap.grid_height, heatmap.grid_width, CV_32F,
                     const_cast<float*>(heatmap.values.data()));
  cv::Mat resized;
  cv::resize(grid, resized, size, /*fx=*/0, /*fy=*/0, /*interpolation=*/cv::INTER_CUBIC);
  cv::Mat levels;
  resized.convertTo(levels, CV_8U, /*alpha=*/255.0, /*beta=*/0.0);  // saturates to [0, 255]
  cv::Mat coloured;
  cv::applyColorMap(levels, coloured,
                    color_map == ColorMap::kTurbo ? cv::COLORMAP_TURBO : cv::COLORMAP_JET);
  return coloured;
}

}  // namespace

Status ValidateOverlayOptions(const OverlayOptions& options) {
  if (!(options.opacity >= 0.0 && options.opacity <= 1.0))
    return InvalidArgumentError("overlay opacity " + std::to_string(options.opacity) +
                                " is outside [0, 1]");
  return Status::Ok();
}

StatusOr<std::string> RenderHeatmapOverlay(const uint8_t* data, size_t size, const Heatmap& heatmap,
                                           const PreprocessSpec& spec,
                                           const PreprocessOptions& limits,
                                           const OverlayOptions& options) {
  VIT_RETURN_IF_ERROR(ValidateOverlayOptions(options));
  if (heatmap.grid_height < 1 || heatmap.grid_width < 1 ||
      heatmap.values.size() != static_cast<size_t>(heatmap.grid_height) * heatmap.grid_width) {
    return InvalidArgumentError("heat map of " + std::to_string(heatmap.values.size()) +
                                " values does not fill its " + std::to_string(heatmap.grid_height) +
                                "x" + std::to_string(heatmap.grid_width) + " grid");
  }
  try {
    VIT_ASSIGN_OR_RETURN(cv::Mat image, DecodeUprightBgr(data, size, limits));
    const cv::Rect crop = CropInImage(spec, image.size());
    const cv::Mat heat = ColouredHeat(heatmap, crop.size(), options.color_map);
    const cv::Rect visible = crop & cv::Rect(0, 0, image.cols, image.rows);
    if (!visible.empty()) {
      cv::Mat target = image(visible);
      const cv::Mat source = heat(visible - crop.tl());
      cv::addWeighted(source, options.opacity, target, 1.0 - options.opacity, /*gamma=*/0.0,
                      target);
    }
    std::vector<uint8_t> png;
    if (!cv::imencode(".png", image, png))
      return InternalError("PNG encoding of the overlay failed");
    return std::string(png.begin(), png.end());
  } catch (const cv::Exception& e) {
    return InternalError(std::string("rendering the overlay failed (OpenCV): ") + e.what());
  } catch (const std::bad_alloc&) {
    return ResourceExhaustedError("out of memory while rendering the overlay");
  }
}

}  // namespace vit::preprocessing
