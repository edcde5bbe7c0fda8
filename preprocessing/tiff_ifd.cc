#include "preprocessing/tiff_ifd.h"

#include "preprocessing/byte_reader.h"

namespace vit::preprocessing {
namespace {

constexpr uint32_t kTagImageWidth = 256;
constexpr uint32_t kTagImageLength = 257;
constexpr uint32_t kTagOrientation = 274;
constexpr uint32_t kTypeShort = 3;
constexpr uint32_t kTypeLong = 4;
constexpr size_t kEntrySize = 12;

// A SHORT or LONG scalar stored inline in the entry's 4-byte value field.
bool ReadScalar(const ByteReader& r, size_t entry, bool le, uint32_t* value) {
  uint32_t type = 0;
  if (!r.U16(entry + 2, le, &type)) return false;
  if (type == kTypeShort) return r.U16(entry + 8, le, value);
  if (type == kTypeLong) return r.U32(entry + 8, le, value);
  return false;
}

}  // namespace

bool ParseTiffIfd0(const uint8_t* data, size_t size, TiffIfd0* ifd) {
  const ByteReader r(data, size);
  bool le = false;
  if (r.Matches(0, "II*\0", 4)) {
    le = true;
  } else if (!r.Matches(0, "MM\0*", 4)) {
    return false;
  }
  uint32_t ifd_offset = 0;
  uint32_t count = 0;
  if (!r.U32(4, le, &ifd_offset) || !r.U16(ifd_offset, le, &count)) return false;
  for (uint32_t i = 0; i < count; ++i) {
    const size_t entry = size_t{ifd_offset} + 2 + size_t{i} * kEntrySize;
    uint32_t tag = 0;
    uint32_t value = 0;
    if (!r.Has(entry, kEntrySize) || !r.U16(entry, le, &tag)) break;
    if (!ReadScalar(r, entry, le, &value)) continue;
    if (tag == kTagImageWidth) ifd->width = value;
    if (tag == kTagImageLength) ifd->height = value;
    if (tag == kTagOrientation && value >= 1 && value <= 8)
      ifd->orientation = static_cast<int>(value);
  }
  return true;
}

}  // namespace vit::preprocessing
