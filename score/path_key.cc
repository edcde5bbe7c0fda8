#include "score/path_key.h"

#include <cstddef>

namespace vit::score {
namespace {

// Length of the valid UTF-8 sequence starting at s[i], or 0 when invalid
// (overlong forms, surrogates and code points above U+10FFFF are invalid).
size_t ValidSequenceLength(const std::string& s, size_t i) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char lead = byte(i);
  if (lead < 0x80) return 1;
  size_t length = 0;
  unsigned char low = 0x80, high = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) low = 0xA0;
    if (lead == 0xED) high = 0x9F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) low = 0x90;
    if (lead == 0xF4) high = 0x8F;
  } else {
    return 0;
  }
  if (i + length > s.size()) return 0;
  if (byte(i + 1) < low || byte(i + 1) > high) return 0;
  for (size_t k = 2; k < length; ++k) {
    if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) return 0;
  }
  return length;
}

}  // namespace

std::string OutputPath(const std::string& path) {
  std::string out;
  out.reserve(path.size());
  for (size_t i = 0; i < path.size();) {
    const size_t length = ValidSequenceLength(path, i);
    if (length == 0) {
      out += "\xEF\xBF\xBD";  // U+FFFD
      ++i;
    } else {
      out.append(path, i, length);
      i += length;
    }
  }
  return out;
}

uint64_t StableHash(const std::string& text) {
  uint64_t hash = 14695981039346656037ull;
  for (const char c : text) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 1099511628211ull;
  }
  // MurmurHash3's fmix64: FNV's low bits are weak (bit 0 is the parity of the
  // bytes' low bits), and the shard is taken modulo N.
  hash ^= hash >> 33;
  hash *= 0xff51afd7ed558ccdull;
  hash ^= hash >> 33;
  hash *= 0xc4ceb9fe1a85ec53ull;
  hash ^= hash >> 33;
  return hash;
}

StatusOr<ShardSpec> ParseShard(const std::string& text) {
  if (text.empty()) return ShardSpec{};
  const auto bad = [&] {
    return InvalidArgumentError("--shard must be I/N with 0 <= I < N, got '" + text + "'");
  };
  const size_t slash = text.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 == text.size()) return bad();
  const auto parse = [](const std::string& digits, long* value) {
    if (digits.empty() || digits.size() > 9) return false;
    for (const char c : digits) {
      if (c < '0' || c > '9') return false;
    }
    *value = std::stol(digits);
    return true;
  };
  long index = 0, count = 0;
  if (!parse(text.substr(0, slash), &index) || !parse(text.substr(slash + 1), &count)) return bad();
  if (count < 1 || index >= count) return bad();
  return ShardSpec{static_cast<int>(index), static_cast<int>(count)};
}

}  // namespace vit::score
