#include "preprocessing/color_conversion.h"

#include <string>

#include <opencv2/imgproc.hpp>

namespace vit::preprocessing {
namespace {

// High byte of each 16-bit sample (not the rounded v/257 that convertTo computes).
cv::Mat HighByte(const cv::Mat& image16) {
  cv::Mat out(image16.size(), CV_MAKETYPE(CV_8U, image16.channels()));
  const int values_per_row = image16.cols * image16.channels();
  for (int y = 0; y < image16.rows; ++y) {
    const uint16_t* in = image16.ptr<uint16_t>(y);
    uint8_t* o = out.ptr<uint8_t>(y);
    for (int i = 0; i < values_per_row; ++i) o[i] = static_cast<uint8_t>(in[i] >> 8);
  }
  return out;
}

// 1 (gray) or 3 (BGR) channels, alpha dropped; gray+alpha keeps the gray plane.
cv::Mat DropAlpha(const cv::Mat& image) {
  cv::Mat out;
  if (image.channels() == 4) {
    cv::cvtColor(image, out, /*code=*/cv::COLOR_BGRA2BGR);
    return out;
  }
  if (image.channels() == 2) {
    cv::extractChannel(image, out, /*coi=*/0);
    return out;
  }
  return image;
}

}  // namespace

cv::Mat BgrToPilLuma(const cv::Mat& bgr) {
  CV_Assert(bgr.type() == CV_8UC3);
  cv::Mat out(bgr.size(), CV_8UC1);
  for (int y = 0; y < bgr.rows; ++y) {
    const uint8_t* in = bgr.ptr<uint8_t>(y);
    uint8_t* o = out.ptr<uint8_t>(y);
    for (int x = 0; x < bgr.cols; ++x, in += 3) {
      o[x] =
          static_cast<uint8_t>((in[2] * 19595u + in[1] * 38470u + in[0] * 7471u + 0x8000u) >> 16);
    }
  }
  return out;
}

StatusOr<cv::Mat> ToCanonical8Bit(const cv::Mat& decoded, int target_channels) {
  cv::Mat image = decoded;
  if (image.depth() == CV_16U) {
    image = HighByte(image);
  } else if (image.depth() != CV_8U) {
    return UnimplementedError("unsupported sample depth (OpenCV depth " +
                              std::to_string(image.depth()) + "); 8- and 16-bit images only");
  }
  if (image.channels() < 1 || image.channels() > 4) {
    return UnimplementedError("unsupported channel count " + std::to_string(image.channels()));
  }
  image = DropAlpha(image);
  if (target_channels == 1 && image.channels() == 3) return BgrToPilLuma(image);
  return image;
}

}  // namespace vit::preprocessing
