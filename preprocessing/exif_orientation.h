// EXIF orientation as PIL's ImageOps.exif_transpose applies it.
#pragma once

#include <opencv2/core.hpp>

namespace vit::preprocessing {

// True for orientations 5..8, whose upright image has width and height swapped.
inline bool OrientationSwapsAxes(int orientation) { return orientation >= 5 && orientation <= 8; }

// Returns the upright image for EXIF orientation 1..8 (1 and unknown values: `image` itself).
cv::Mat ApplyExifOrientation(const cv::Mat& image, int orientation);

}  // namespace vit::preprocessing
