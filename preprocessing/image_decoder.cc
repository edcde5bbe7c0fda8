#include "preprocessing/image_decoder.h"

#include <exception>
#include <string>

#include <opencv2/imgcodecs.hpp>

namespace vit::preprocessing {
namespace {

std::string SizeText(int64_t width, int64_t height) {
  return std::to_string(width) + "x" + std::to_string(height);
}

int ImreadFlags(int reduction) {
  switch (reduction) {
    case 2:
      return cv::IMREAD_REDUCED_COLOR_2 | cv::IMREAD_IGNORE_ORIENTATION;
    case 4:
      return cv::IMREAD_REDUCED_COLOR_4 | cv::IMREAD_IGNORE_ORIENTATION;
    case 8:
      return cv::IMREAD_REDUCED_COLOR_8 | cv::IMREAD_IGNORE_ORIENTATION;
    default:
      return cv::IMREAD_UNCHANGED;  // also ignores EXIF orientation
  }
}

}  // namespace

StatusOr<ImageHeader> InspectEncodedImage(const uint8_t* data, size_t size,
                                          const DecodeLimits& limits) {
  if (data == nullptr || size == 0) return InvalidArgumentError("empty input: no image bytes");
  if (size > limits.max_image_bytes || size > size_t{INT32_MAX}) {
    return InvalidArgumentError("encoded image too large: " + std::to_string(size) +
                                " bytes, max_image_bytes is " +
                                std::to_string(limits.max_image_bytes));
  }
  ImageHeader header;
  VIT_RETURN_IF_ERROR(ParseImageHeader(data, size, &header));
  const char* format = ImageFormatName(header.format);
  if (header.width <= 0 || header.height <= 0) {
    return InvalidArgumentError(std::string("zero-sized ") + format + " image: header says " +
                                SizeText(header.width, header.height));
  }
  // Not kResourceExhausted: that code means "retry later", and this never succeeds.
  if (header.width > limits.max_pixels / header.height) {
    // A header may announce sizes whose product does not fit in 64 bits.
    int64_t pixels = 0;
    const std::string count = __builtin_mul_overflow(header.width, header.height, &pixels)
                                  ? std::string("more than 2^63")
                                  : std::to_string(pixels);
    return InvalidArgumentError(std::string("too many pixels: ") + format + " header announces " +
                                SizeText(header.width, header.height) + " = " + count +
                                " pixels, max_pixels is " + std::to_string(limits.max_pixels));
  }
  if (header.truncated) {
    return DataLossError(std::string("truncated ") + format + " (" + std::to_string(size) +
                         " bytes, " + SizeText(header.width, header.height) +
                         "): data ends before the end-of-image marker");
  }
  return header;
}

StatusOr<cv::Mat> DecodePixels(const uint8_t* data, size_t size, const ImageHeader& header,
                               int reduction) {
  const std::string what = std::string(ImageFormatName(header.format)) + " image (" +
                           SizeText(header.width, header.height) + ")";
  cv::Mat decoded;
  try {
    // imdecode only reads the buffer; the Mat header is needed for its signature.
    const cv::Mat buffer(1, static_cast<int>(size), CV_8UC1, const_cast<uint8_t*>(data));
    decoded = cv::imdecode(buffer, /*flags=*/ImreadFlags(reduction));
  } catch (const cv::Exception& e) {
    return InvalidArgumentError("cannot decode " + what + ": " + e.what());
  } catch (const std::exception& e) {
    return InternalError("cannot decode " + what + ": " + e.what());
  }
  if (decoded.empty()) return InvalidArgumentError("cannot decode " + what);
  if (reduction == 1 && (decoded.cols != header.width || decoded.rows != header.height)) {
    // The budget was checked against the header; never pass on anything else.
    return InvalidArgumentError("decoded " + what + " has size " +
                                SizeText(decoded.cols, decoded.rows) + ", not its header's");
  }
  return decoded;
}

}  // namespace vit::preprocessing
