#include "preprocessing/resize_plan.h"

#include "preprocessing/pil_resample.h"

namespace vit::preprocessing {
namespace {

// torchvision center_crop offset along one axis of length n for a crop of c:
// int(round((n - c) / 2.0)), or minus the left/top padding when c > n.
int CenterCropOffset(int n, int c) {
  if (c > n) return -((c - n) / 2);
  const int d = n - c;
  const int half = d / 2;
  if (d % 2 == 0) return half;
  return half % 2 == 0 ? half : half + 1;  // x.5 rounds to the even neighbour
}

}  // namespace

ResizePlan PlanResize(const PreprocessSpec& spec, cv::Size image) {
  ResizePlan plan;
  if (spec.resize_mode == ResizeMode::kExact) {
    plan.resized = cv::Size(spec.input_width, spec.input_height);
    plan.crop = cv::Rect(0, 0, spec.input_width, spec.input_height);
    return plan;
  }
  const int s = spec.resize_shorter_side;
  const bool portrait = image.width <= image.height;
  const int shorter = portrait ? image.width : image.height;
  const int longer = portrait ? image.height : image.width;
  // Python: int(size * long / short), a true (double) division truncated.
  const int new_long = static_cast<int>(static_cast<double>(int64_t{s} * longer) / shorter);
  plan.resized = portrait ? cv::Size(s, new_long) : cv::Size(new_long, s);
  plan.crop = cv::Rect(CenterCropOffset(plan.resized.width, spec.input_width),
                       CenterCropOffset(plan.resized.height, spec.input_height), spec.input_width,
                       spec.input_height);
  return plan;
}

cv::Mat ResizeAndCrop(const cv::Mat& image, const ResizePlan& plan, Interpolation interpolation) {
  const cv::Rect inside = plan.crop & cv::Rect(cv::Point(0, 0), plan.resized);
  cv::Mat kept = PilResample(image, plan.resized, inside, interpolation);
  if (inside == plan.crop) return kept;
  cv::Mat padded = cv::Mat::zeros(plan.crop.size(), image.type());
  kept.copyTo(padded(inside - plan.crop.tl()));
  return padded;
}

}  // namespace vit::preprocessing
