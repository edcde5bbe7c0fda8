// Geometry of a pipeline: the size the whole image is resized to, and the crop
// taken from it, with torchvision/timm semantics.
#pragma once

#include <opencv2/core.hpp>

#include "common/preprocess_spec.h"

namespace vit::preprocessing {

struct ResizePlan {
  /// Size the whole image is resized to.
  cv::Size resized;
  /// The input_width x input_height crop in `resized` coordinates. It may reach
  /// outside `resized` (torchvision pads with zeros when the crop is larger).
  cv::Rect crop;
};

// kShorterSideThenCenterCrop (torchvision Resize(int) + CenterCrop): the shorter
// side becomes S and the longer int(S * long / short); the crop offset is
// round((size - crop) / 2) with Python's round-half-to-even.
// kExact (Hugging Face): resized = crop = input size.
ResizePlan PlanResize(const PreprocessSpec& spec, cv::Size image);

// Resamples `image` per `plan` and returns the crop (zero padding outside `resized`).
cv::Mat ResizeAndCrop(const cv::Mat& image, const ResizePlan& plan, Interpolation interpolation);

}  // namespace vit::preprocessing
