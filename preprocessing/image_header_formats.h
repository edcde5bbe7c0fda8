// Per-format header parsers behind ParseImageHeader (internal). Each fills
// width, height, exif_orientation and truncated; format is set by the caller.
#pragma once

#include "preprocessing/byte_reader.h"
#include "preprocessing/image_header.h"

namespace vit::preprocessing::internal {

Status ParseJpegHeader(const ByteReader& r, ImageHeader* header);
Status ParsePngHeader(const ByteReader& r, ImageHeader* header);
Status ParseBmpHeader(const ByteReader& r, ImageHeader* header);
Status ParseWebpHeader(const ByteReader& r, ImageHeader* header);
Status ParseTiffHeader(const ByteReader& r, ImageHeader* header);
Status ParsePnmHeader(const ByteReader& r, ImageHeader* header);
Status ParseSunRasterHeader(const ByteReader& r, ImageHeader* header);
Status ParseJpeg2000Header(const ByteReader& r, ImageHeader* header);

// "<format> header ends at byte N" as kDataLoss.
Status HeaderTruncated(const char* format, size_t size);

}  // namespace vit::preprocessing::internal
