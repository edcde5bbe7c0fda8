// PIL-exact resampling (Pillow's src/libImaging/Resample.c): separable convolution
// with antialiasing (the filter support widens by the downscale factor), weights
// normalized to sum 1 then rounded to 22-bit fixed point, horizontal pass first
// with the intermediate rounded and clipped to uint8, then the vertical pass.
// Integer arithmetic throughout, so results match Pillow bit for bit.
#pragma once

#include <opencv2/core.hpp>

#include "common/preprocess_spec.h"

namespace vit::preprocessing {

// Returns `window` of PIL's Image.resize(size, filter) of `src` (8-bit, 1..4
// channels, any channel order). Only the pixels inside `window` are computed;
// each equals the corresponding pixel of the full resize, so a center crop costs
// only what it keeps. `window` must lie inside Rect(0, 0, size.width, size.height).
// kNearest samples floor((x + 0.5) * scale), PIL's NEAREST up to fixed-point ties.
// Row bands run in parallel through cv::parallel_for_ when the work is large
// (cv::setNumThreads(1) makes it serial).
cv::Mat PilResample(const cv::Mat& src, cv::Size size, cv::Rect window,
                    Interpolation interpolation);

}  // namespace vit::preprocessing
