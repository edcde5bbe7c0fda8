#include "preprocessing/exif_orientation.h"

namespace vit::preprocessing {

cv::Mat ApplyExifOrientation(const cv::Mat& image, int orientation) {
  cv::Mat out;
  switch (orientation) {
    case 2:  // mirrored horizontally
      cv::flip(image, out, /*flipCode=*/1);
      return out;
    case 3:
      cv::rotate(image, out, /*rotateCode=*/cv::ROTATE_180);
      return out;
    case 4:  // mirrored vertically
      cv::flip(image, out, /*flipCode=*/0);
      return out;
    case 5:  // transpose
      cv::transpose(image, out);
      return out;
    case 6:  // stored rotated 90 CCW: rotate 90 CW to fix
      cv::rotate(image, out, /*rotateCode=*/cv::ROTATE_90_CLOCKWISE);
      return out;
    case 7:  // transverse: mirror across the anti-diagonal
      cv::transpose(image, out);
      cv::flip(out, out, /*flipCode=*/-1);
      return out;
    case 8:
      cv::rotate(image, out, /*rotateCode=*/cv::ROTATE_90_COUNTERCLOCKWISE);
      return out;
    default:
      return image;
  }
}

}  // namespace vit::preprocessing
