#include "preprocessing/image_header.h"

#include <string>

#include "preprocessing/image_header_formats.h"

namespace vit::preprocessing {

const char* ImageFormatName(ImageFormat format) {
  switch (format) {
    case ImageFormat::kJpeg:
      return "JPEG";
    case ImageFormat::kPng:
      return "PNG";
    case ImageFormat::kBmp:
      return "BMP";
    case ImageFormat::kWebp:
      return "WebP";
    case ImageFormat::kTiff:
      return "TIFF";
    case ImageFormat::kPnm:
      return "PNM";
    case ImageFormat::kSunRaster:
      return "Sun raster";
    case ImageFormat::kJpeg2000:
      return "JPEG 2000";
    case ImageFormat::kUnknown:
      break;
  }
  return "unknown";
}

ImageFormat SniffImageFormat(const uint8_t* data, size_t size) {
  const ByteReader r(data, size);
  if (r.Matches(0, "\xFF\xD8\xFF", 3)) return ImageFormat::kJpeg;
  if (r.Matches(0, "\x89PNG\r\n\x1A\n", 8)) return ImageFormat::kPng;
  if (r.Matches(0, "BM", 2)) return ImageFormat::kBmp;
  if (r.Matches(0, "RIFF", 4) && r.Matches(8, "WEBP", 4)) return ImageFormat::kWebp;
  if (r.Matches(0, "II*\0", 4) || r.Matches(0, "MM\0*", 4)) return ImageFormat::kTiff;
  uint32_t second = 0;
  if (r.Matches(0, "P", 1) && r.U8(1, &second) && second >= '1' && second <= '7') {
    return ImageFormat::kPnm;
  }
  if (r.Matches(0, "\x59\xA6\x6A\x95", 4)) return ImageFormat::kSunRaster;
  if (r.Matches(0, "\xFF\x4F\xFF\x51", 4) || r.Matches(0, "\x00\x00\x00\x0CjP  \r\n\x87\n", 12)) {
    return ImageFormat::kJpeg2000;
  }
  return ImageFormat::kUnknown;
}

Status ParseImageHeader(const uint8_t* data, size_t size, ImageHeader* header) {
  *header = ImageHeader{};
  header->format = SniffImageFormat(data, size);
  const ByteReader r(data, size);
  switch (header->format) {
    case ImageFormat::kJpeg:
      return internal::ParseJpegHeader(r, header);
    case ImageFormat::kPng:
      return internal::ParsePngHeader(r, header);
    case ImageFormat::kBmp:
      return internal::ParseBmpHeader(r, header);
    case ImageFormat::kWebp:
      return internal::ParseWebpHeader(r, header);
    case ImageFormat::kTiff:
      return internal::ParseTiffHeader(r, header);
    case ImageFormat::kPnm:
      return internal::ParsePnmHeader(r, header);
    case ImageFormat::kSunRaster:
      return internal::ParseSunRasterHeader(r, header);
    case ImageFormat::kJpeg2000:
      return internal::ParseJpeg2000Header(r, header);
    case ImageFormat::kUnknown:
      break;
  }
  // Formats OpenCV may know but whose header we cannot check for pixel bombs
  // (DICOM, OpenEXR, HDR, PFM, ...) are refused rather than decoded blind.
  return InvalidArgumentError("unrecognized or unsupported image format (" + std::to_string(size) +
                              " bytes); supported: JPEG, PNG, BMP, WebP, TIFF, PNM, Sun raster, "
                              "JPEG 2000");
}

namespace internal {

Status HeaderTruncated(const char* format, size_t size) {
  return DataLossError(std::string("truncated ") + format + ": data ends inside the header (" +
                       std::to_string(size) + " bytes)");
}

}  // namespace internal
}  // namespace vit::preprocessing
