// What an encoded image's header announces, read without decoding any pixels:
// format, dimensions, EXIF orientation and whether the data ends early. Lets the
// decoder reject decompression bombs and truncated files before libjpeg & co run.
#pragma once

#include <cstddef>
#include <cstdint>

#include "common/status.h"

namespace vit::preprocessing {

enum class ImageFormat { kUnknown, kJpeg, kPng, kBmp, kWebp, kTiff, kPnm, kSunRaster, kJpeg2000 };

const char* ImageFormatName(ImageFormat format);

struct ImageHeader {
  ImageFormat format = ImageFormat::kUnknown;
  /// Stored (pre-orientation) size in pixels.
  int64_t width = 0;
  int64_t height = 0;
  /// EXIF orientation 1..8 (1 = upright or no EXIF).
  int exif_orientation = 1;
  /// The data ends before the format's end marker (JPEG EOI, PNG IEND, RIFF size, BMP pixels).
  bool truncated = false;
};

// Recognizes the format from its magic bytes; kUnknown otherwise.
ImageFormat SniffImageFormat(const uint8_t* data, size_t size);

// Parses the header of any ImageFormat. Errors: kInvalidArgument for unknown
// formats or malformed headers, kDataLoss when the data ends inside the header.
// Zero sizes are reported as parsed; the caller decides what to do with them.
Status ParseImageHeader(const uint8_t* data, size_t size, ImageHeader* header);

}  // namespace vit::preprocessing
