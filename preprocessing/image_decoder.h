// Safe decoding of untrusted bytes: size budgets and truncation are checked from
// the header before any pixel is decoded; OpenCV exceptions become Status.
#pragma once

#include <cstddef>
#include <cstdint>

#include <opencv2/core.hpp>

#include "common/status.h"
#include "preprocessing/image_header.h"

namespace vit::preprocessing {

struct DecodeLimits {
  int64_t max_pixels = 0;
  size_t max_image_bytes = 0;
};

// Parses the header and enforces `limits`. Errors (kInvalidArgument unless noted):
// empty input, too many bytes, unknown format, malformed header, zero size,
// too many pixels; kDataLoss for data that ends early (header or end marker).
StatusOr<ImageHeader> InspectEncodedImage(const uint8_t* data, size_t size,
                                          const DecodeLimits& limits);

// Decodes pixels as stored (no EXIF rotation; channels, alpha and 16-bit kept).
// `reduction` 2, 4 or 8 decodes a JPEG at that fraction of its size through
// libjpeg's DCT scaling (IMREAD_REDUCED_COLOR_*, 3 channels); 1 = full size.
StatusOr<cv::Mat> DecodePixels(const uint8_t* data, size_t size, const ImageHeader& header,
                               int reduction);

}  // namespace vit::preprocessing
