#include "model/pickle_input.h"

namespace vit {

StatusOr<uint64_t> PickleInput::ReadLE(size_t n) {
  if (Remaining() < n) {
    return DataLossError("truncated: needs " + std::to_string(n) + " argument bytes, " +
                         std::to_string(Remaining()) + " remain");
  }
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i) {
    v |= static_cast<uint64_t>(static_cast<uint8_t>(data_[pos_ + i])) << (8 * i);
  }
  pos_ += n;
  return v;
}

StatusOr<std::string> PickleInput::ReadBytes(uint64_t n) {
  if (n > Remaining()) {
    return DataLossError("truncated: string of " + std::to_string(n) + " bytes, " +
                         std::to_string(Remaining()) + " remain");
  }
  std::string out(data_.substr(pos_, n));
  pos_ += n;
  return out;
}

StatusOr<std::string> PickleInput::ReadLine() {
  const size_t end = data_.find('\n', pos_);
  if (end == std::string_view::npos) return DataLossError("truncated: missing newline in argument");
  std::string out(data_.substr(pos_, end - pos_));
  pos_ = end + 1;
  return out;
}

}  // namespace vit
