// Bounds-checked reads of big- and little-endian integers from an untrusted byte
// buffer. Every header parser goes through this so that a malformed file can only
// make a read fail, never run past the buffer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace vit::preprocessing {

class ByteReader {
 public:
  ByteReader(const uint8_t* data, size_t size) : data_(data), size_(size) {}

  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  // True when [offset, offset + n) lies inside the buffer (overflow-safe).
  bool Has(size_t offset, size_t n) const { return offset <= size_ && n <= size_ - offset; }
  // True when the n bytes at offset equal `bytes`.
  bool Matches(size_t offset, const char* bytes, size_t n) const {
    return Has(offset, n) && std::memcmp(data_ + offset, bytes, n) == 0;
  }

  // Each reader returns false (and leaves *value alone) when out of bounds.
  bool U8(size_t offset, uint32_t* value) const { return Read(offset, 1, false, value); }
  bool Be16(size_t offset, uint32_t* value) const { return Read(offset, 2, false, value); }
  bool Le16(size_t offset, uint32_t* value) const { return Read(offset, 2, true, value); }
  bool Le24(size_t offset, uint32_t* value) const { return Read(offset, 3, true, value); }
  bool Be32(size_t offset, uint32_t* value) const { return Read(offset, 4, false, value); }
  bool Le32(size_t offset, uint32_t* value) const { return Read(offset, 4, true, value); }
  bool U16(size_t offset, bool little_endian, uint32_t* value) const {
    return Read(offset, 2, little_endian, value);
  }
  bool U32(size_t offset, bool little_endian, uint32_t* value) const {
    return Read(offset, 4, little_endian, value);
  }

 private:
  bool Read(size_t offset, size_t n, bool little_endian, uint32_t* value) const {
    if (!Has(offset, n)) return false;
    uint32_t v = 0;
    for (size_t i = 0; i < n; ++i) {
      const uint32_t byte = data_[offset + (little_endian ? n - 1 - i : i)];
      v = (v << 8) | byte;
    }
    *value = v;
    return true;
  }

  const uint8_t* data_;
  size_t size_;
};

}  // namespace vit::preprocessing
