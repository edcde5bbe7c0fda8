// The few fields we need from the first image file directory (IFD0) of a
// TIFF-structured block: a TIFF file itself, or the EXIF payload of a JPEG APP1
// segment, a PNG eXIf chunk or a WebP EXIF chunk (EXIF is a TIFF structure).
#pragma once

#include <cstddef>
#include <cstdint>

namespace vit::preprocessing {

struct TiffIfd0 {
  /// ImageWidth (tag 256) and ImageLength (tag 257); 0 when absent.
  uint32_t width = 0;
  uint32_t height = 0;
  /// Orientation (tag 274), 1..8; 1 when absent or out of range.
  int orientation = 1;
};

// Parses IFD0 of a classic (not Big-) TIFF structure starting at data[0]
// ("II*\0" or "MM\0*"). Returns false when the block is not such a structure or
// IFD0 lies outside it; entries that run past the end are ignored.
bool ParseTiffIfd0(const uint8_t* data, size_t size, TiffIfd0* ifd);

}  // namespace vit::preprocessing
