// PNG: IHDR for the size, eXIf for the orientation, and the chunk walk must reach
// IEND (libpng may hand back a partial image for a file cut inside IDAT).
#include <string>

#include "preprocessing/image_header_formats.h"
#include "preprocessing/tiff_ifd.h"

namespace vit::preprocessing::internal {

Status ParsePngHeader(const ByteReader& r, ImageHeader* header) {
  constexpr size_t kSignature = 8;
  constexpr uint32_t kMaxChunk = 0x7FFFFFFF;  // PNG spec limit
  uint32_t width = 0;
  uint32_t height = 0;
  if (!r.Has(kSignature, 8 + 13 + 4)) return HeaderTruncated("PNG", r.size());
  if (!r.Matches(kSignature + 4, "IHDR", 4)) return InvalidArgumentError("PNG without IHDR");
  r.Be32(kSignature + 8, &width);
  r.Be32(kSignature + 12, &height);
  if (width > kMaxChunk || height > kMaxChunk) {
    return InvalidArgumentError("PNG IHDR size out of range: " + std::to_string(width) + "x" +
                                std::to_string(height));
  }
  header->width = width;
  header->height = height;
  size_t pos = kSignature;
  uint32_t length = 0;
  while (r.Be32(pos, &length) && r.Has(pos + 4, 4)) {
    if (length > kMaxChunk) return InvalidArgumentError("PNG chunk length out of range");
    if (!r.Has(pos + 8, size_t{length} + 4)) break;  // chunk data or CRC cut off
    if (r.Matches(pos + 4, "IEND", 4)) return Status::Ok();
    if (r.Matches(pos + 4, "eXIf", 4)) {
      TiffIfd0 ifd;
      if (ParseTiffIfd0(r.data() + pos + 8, length, &ifd)) {
        header->exif_orientation = ifd.orientation;
      }
    }
    pos += size_t{length} + 12;
  }
  header->truncated = true;
  return Status::Ok();
}

}  // namespace vit::preprocessing::internal
