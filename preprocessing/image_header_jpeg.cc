// JPEG: walks the marker segments for the frame header (SOFn) and EXIF APP1, then
// skips entropy-coded data (memchr for 0xFF) to find EOI. libjpeg only warns on a
// missing EOI and pads with gray; PIL raises, so a missing EOI marks the file truncated.
#include <cstring>
#include <string>

#include "preprocessing/image_header_formats.h"
#include "preprocessing/tiff_ifd.h"

namespace vit::preprocessing::internal {
namespace {

bool IsStandalone(uint32_t m) { return m == 0x01 || (m >= 0xD0 && m <= 0xD7); }
bool IsStartOfFrame(uint32_t m) {
  return m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC;
}

// From `pos` inside entropy-coded data, the offset of the next marker's 0xFF, or
// size when the data ends first. Stuffed 0xFF00 and restart markers are data.
size_t SkipEntropyCodedData(const ByteReader& r, size_t pos) {
  const uint8_t* d = r.data();
  while (pos < r.size()) {
    const void* ff = std::memchr(d + pos, 0xFF, r.size() - pos);
    if (ff == nullptr) return r.size();
    pos = static_cast<size_t>(static_cast<const uint8_t*>(ff) - d);
    if (pos + 1 >= r.size()) return r.size();
    const uint8_t next = d[pos + 1];
    if (next == 0x00 || (next >= 0xD0 && next <= 0xD7)) {
      pos += 2;
    } else if (next == 0xFF) {
      pos += 1;  // fill byte before a marker
    } else {
      return pos;
    }
  }
  return r.size();
}

void ReadExifOrientation(const ByteReader& r, size_t segment, size_t length, ImageHeader* header) {
  if (length < 6 || !r.Matches(segment, "Exif\0\0", 6)) return;
  TiffIfd0 ifd;
  if (ParseTiffIfd0(r.data() + segment + 6, length - 6, &ifd)) {
    header->exif_orientation = ifd.orientation;
  }
}

}  // namespace

Status ParseJpegHeader(const ByteReader& r, ImageHeader* header) {
  bool have_frame = false;
  bool have_exif = false;
  size_t pos = 2;  // after SOI
  while (true) {
    while (pos < r.size() && r.data()[pos] != 0xFF) ++pos;  // libjpeg skips junk too
    while (pos < r.size() && r.data()[pos] == 0xFF) ++pos;  // fill bytes
    if (pos >= r.size()) break;
    const uint32_t marker = r.data()[pos++];
    if (marker == 0xD9) {  // EOI
      if (!have_frame) return InvalidArgumentError("JPEG has no frame header before EOI");
      return Status::Ok();
    }
    if (IsStandalone(marker)) continue;
    uint32_t length = 0;
    if (!r.Be16(pos, &length) || !r.Has(pos, length)) break;
    if (length < 2) return InvalidArgumentError("JPEG segment with length < 2");
    const size_t segment = pos + 2;
    if (IsStartOfFrame(marker) && !have_frame) {
      uint32_t height = 0;
      uint32_t width = 0;
      if (length < 8 || !r.Be16(segment + 1, &height) || !r.Be16(segment + 3, &width)) {
        return InvalidArgumentError("JPEG frame header too short");
      }
      header->width = width;
      header->height = height;
      have_frame = true;
    }
    if (marker == 0xE1 && !have_exif) {
      ReadExifOrientation(r, segment, length - 2, header);
      have_exif = header->exif_orientation != 1;
    }
    pos += length;
    if (marker == 0xDA) {  // SOS: compressed data follows
      if (!have_frame) return InvalidArgumentError("JPEG scan before frame header");
      pos = SkipEntropyCodedData(r, pos);
    }
  }
  if (!have_frame) return HeaderTruncated("JPEG", r.size());
  header->truncated = true;
  return Status::Ok();
}

}  // namespace vit::preprocessing::internal
