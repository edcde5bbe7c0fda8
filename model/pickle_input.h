// Bounds-checked reads of a pickle stream's opcodes and their arguments.
// Errors say what is missing; the interpreter adds where (offset, opcode).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace vit {

class PickleInput {
 public:
  explicit PickleInput(std::string_view data) : data_(data) {}

  size_t position() const { return pos_; }
  bool AtEnd() const { return pos_ >= data_.size(); }
  /// The next byte (an opcode); call only when !AtEnd().
  uint8_t TakeByte() { return static_cast<uint8_t>(data_[pos_++]); }

  /// Little-endian unsigned integer of n <= 8 bytes.
  StatusOr<uint64_t> ReadLE(size_t n);
  /// The next n bytes (a string argument).
  StatusOr<std::string> ReadBytes(uint64_t n);
  /// A newline-terminated argument (of GLOBAL), without the newline.
  StatusOr<std::string> ReadLine();

 private:
  size_t Remaining() const { return data_.size() - pos_; }

  std::string_view data_;
  size_t pos_ = 0;
};

}  // namespace vit
