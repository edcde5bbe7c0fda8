// Brings whatever cv::imdecode returned to the 8-bit layout the resampler works on,
// with PIL convert('RGB') / convert('L') semantics. Channel order stays BGR (as
// decoded); the swap to RGB happens on the small crop, not the full image.
#pragma once

#include <opencv2/core.hpp>

#include "common/status.h"

namespace vit::preprocessing {

// For `target_channels` 3: returns 8-bit gray (1 channel) or BGR (3 channels). A
// gray image is kept single-channel because resampling it and replicating the
// result equals PIL's replicate-then-resample, at a third of the cost.
// For `target_channels` 1: returns 8-bit PIL luma (see BgrToPilLuma).
// Alpha is dropped without compositing (as PIL does); 16-bit samples keep their
// high byte (PIL's 16-bit RGB PNG unpacking). Pillow opens 16-bit *gray* as mode
// I / I;16 and its convert('RGB') clips values above 255 (mostly white); we scale
// instead, on purpose. Other depths (float TIFF, ...): kUnimplemented.
StatusOr<cv::Mat> ToCanonical8Bit(const cv::Mat& decoded, int target_channels);

// PIL convert('L') from RGB: L = (R*19595 + G*38470 + B*7471 + 0x8000) >> 16,
// i.e. ITU-R 601-2 luma in 16-bit fixed point. Input is 8-bit BGR.
cv::Mat BgrToPilLuma(const cv::Mat& bgr);

}  // namespace vit::preprocessing
