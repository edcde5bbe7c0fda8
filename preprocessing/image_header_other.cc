// Headers of the less common formats: BMP, WebP, TIFF, PNM/PAM, Sun raster, JPEG 2000.
#include <cctype>
#include <cstdlib>
#include <string>

#include "preprocessing/image_header_formats.h"
#include "preprocessing/tiff_ifd.h"

namespace vit::preprocessing::internal {
namespace {

// BMP stores uncompressed rows padded to 4 bytes; the pixel array must fit in the file.
bool BmpPixelsTruncated(const ByteReader& r, uint32_t offset, uint32_t bpp, uint32_t compression,
                        int64_t width, int64_t height) {
  constexpr uint32_t kRgb = 0, kBitfields = 3, kAlphaBitfields = 6;
  if (compression != kRgb && compression != kBitfields && compression != kAlphaBitfields) {
    return false;  // RLE: size unknown without decoding
  }
  const uint64_t stride = ((static_cast<uint64_t>(width) * bpp + 31) / 32) * 4;
  const uint64_t available = r.size() > offset ? r.size() - offset : 0;
  return height > 0 && stride > available / static_cast<uint64_t>(height);
}

// Reads one PNM header token (decimal number), skipping whitespace and comments.
bool ReadPnmNumber(const ByteReader& r, size_t* pos, int64_t* value) {
  const uint8_t* d = r.data();
  while (*pos < r.size() && (std::isspace(d[*pos]) || d[*pos] == '#')) {
    if (d[*pos] == '#') {
      while (*pos < r.size() && d[*pos] != '\n') ++*pos;
    } else {
      ++*pos;
    }
  }
  const size_t start = *pos;
  int64_t v = 0;
  while (*pos < r.size() && std::isdigit(d[*pos]) && *pos - start < 12) {
    v = v * 10 + (d[*pos] - '0');
    ++*pos;
  }
  *value = v;
  return *pos > start;
}

// PAM (P7): "WIDTH w" and "HEIGHT h" lines before ENDHDR.
Status ParsePamHeader(const ByteReader& r, ImageHeader* header) {
  constexpr size_t kMaxHeader = 4096;
  const std::string text(reinterpret_cast<const char*>(r.data()),
                         r.size() < kMaxHeader ? r.size() : kMaxHeader);
  const size_t w = text.find("WIDTH");
  const size_t h = text.find("HEIGHT");
  if (text.find("ENDHDR") == std::string::npos || w == std::string::npos ||
      h == std::string::npos) {
    return HeaderTruncated("PAM", r.size());
  }
  size_t pos = w + 5;
  ReadPnmNumber(r, &pos, &header->width);
  pos = h + 6;
  ReadPnmNumber(r, &pos, &header->height);
  return Status::Ok();
}

}  // namespace

Status ParseBmpHeader(const ByteReader& r, ImageHeader* header) {
  uint32_t offset = 0, dib = 0, bpp = 0, compression = 0;
  if (!r.Le32(10, &offset) || !r.Le32(14, &dib)) return HeaderTruncated("BMP", r.size());
  if (dib == 12) {  // OS/2 BITMAPCOREHEADER: unsigned 16-bit sizes
    uint32_t w = 0, h = 0;
    if (!r.Le16(18, &w) || !r.Le16(20, &h) || !r.Le16(24, &bpp)) {
      return HeaderTruncated("BMP", r.size());
    }
    header->width = w;
    header->height = h;
  } else if (dib >= 40) {
    uint32_t w = 0, h = 0;
    if (!r.Le32(18, &w) || !r.Le32(22, &h) || !r.Le16(28, &bpp) || !r.Le32(30, &compression)) {
      return HeaderTruncated("BMP", r.size());
    }
    // Signed sizes; a negative height means top-down rows.
    header->width = static_cast<int32_t>(w);
    header->height = static_cast<int32_t>(h);
    if (header->height < 0) header->height = -header->height;
  } else {
    return InvalidArgumentError("BMP with unsupported DIB header size " + std::to_string(dib));
  }
  if (header->width < 0) return InvalidArgumentError("BMP with negative width");
  header->truncated =
      BmpPixelsTruncated(r, offset, bpp, compression, header->width, header->height);
  return Status::Ok();
}

Status ParseWebpHeader(const ByteReader& r, ImageHeader* header) {
  uint32_t riff_size = 0;
  r.Le32(4, &riff_size);
  header->truncated = uint64_t{riff_size} + 8 > r.size();
  bool have_size = false;
  size_t pos = 12;
  uint32_t length = 0;
  while (r.Le32(pos + 4, &length) && r.Has(pos + 8, length)) {
    const size_t chunk = pos + 8;
    uint32_t a = 0, b = 0;
    if (!have_size && r.Matches(pos, "VP8X", 4) && r.Le24(chunk + 4, &a) && r.Le24(chunk + 7, &b)) {
      header->width = int64_t{a} + 1;
      header->height = int64_t{b} + 1;
      have_size = true;
    } else if (!have_size && r.Matches(pos, "VP8 ", 4) && r.Matches(chunk + 3, "\x9D\x01\x2A", 3) &&
               r.Le16(chunk + 6, &a) && r.Le16(chunk + 8, &b)) {
      header->width = a & 0x3FFF;
      header->height = b & 0x3FFF;
      have_size = true;
    } else if (!have_size && r.Matches(pos, "VP8L", 4) && r.Matches(chunk, "\x2F", 1) &&
               r.Le32(chunk + 1, &a)) {
      header->width = int64_t{a & 0x3FFF} + 1;
      header->height = int64_t{(a >> 14) & 0x3FFF} + 1;
      have_size = true;
    } else if (r.Matches(pos, "EXIF", 4)) {
      const size_t skip = r.Matches(chunk, "Exif\0\0", 6) ? 6 : 0;
      TiffIfd0 ifd;
      if (length >= skip && ParseTiffIfd0(r.data() + chunk + skip, length - skip, &ifd)) {
        header->exif_orientation = ifd.orientation;
      }
    }
    pos = chunk + length + (length & 1);  // chunks are padded to even sizes
  }
  if (!have_size) return HeaderTruncated("WebP", r.size());
  return Status::Ok();
}

Status ParseTiffHeader(const ByteReader& r, ImageHeader* header) {
  TiffIfd0 ifd;
  if (!ParseTiffIfd0(r.data(), r.size(), &ifd)) return HeaderTruncated("TIFF", r.size());
  header->width = ifd.width;
  header->height = ifd.height;
  header->exif_orientation = ifd.orientation;
  return Status::Ok();
}

Status ParsePnmHeader(const ByteReader& r, ImageHeader* header) {
  if (r.data()[1] == '7') return ParsePamHeader(r, header);
  size_t pos = 2;
  if (!ReadPnmNumber(r, &pos, &header->width) || !ReadPnmNumber(r, &pos, &header->height)) {
    return HeaderTruncated("PNM", r.size());
  }
  return Status::Ok();
}

Status ParseSunRasterHeader(const ByteReader& r, ImageHeader* header) {
  uint32_t w = 0, h = 0;
  if (!r.Be32(4, &w) || !r.Be32(8, &h)) return HeaderTruncated("Sun raster", r.size());
  header->width = w;
  header->height = h;
  return Status::Ok();
}

Status ParseJpeg2000Header(const ByteReader& r, ImageHeader* header) {
  uint32_t a = 0, b = 0, ao = 0, bo = 0;
  if (r.Matches(0, "\xFF\x4F\xFF\x51", 4)) {  // raw codestream: SIZ follows SOC
    if (!r.Be32(8, &a) || !r.Be32(12, &b) || !r.Be32(16, &ao) || !r.Be32(20, &bo)) {
      return HeaderTruncated("JPEG 2000", r.size());
    }
    if (ao > a || bo > b) return InvalidArgumentError("JPEG 2000 image offset beyond its size");
    header->width = a - ao;
    header->height = b - bo;
    return Status::Ok();
  }
  // JP2 boxes: the 'ihdr' box inside the 'jp2h' superbox holds height then width.
  size_t pos = 0;
  size_t end = r.size();
  while (r.Be32(pos, &a) && r.Has(pos + 4, 4)) {
    const size_t box_end = a == 0 ? end : pos + a;
    if (a != 0 && a < 8) return InvalidArgumentError("JPEG 2000 box with length < 8");
    if (r.Matches(pos + 4, "jp2h", 4)) {
      end = box_end < end ? box_end : end;
      pos += 8;
      continue;
    }
    if (r.Matches(pos + 4, "ihdr", 4) && r.Be32(pos + 8, &b) && r.Be32(pos + 12, &a)) {
      header->height = b;
      header->width = a;
      return Status::Ok();
    }
    if (box_end <= pos || box_end >= end) break;
    pos = box_end;
  }
  return HeaderTruncated("JPEG 2000", r.size());
}

}  // namespace vit::preprocessing::internal
