// Small text helpers shared by the libraries and tools.
#pragma once

#include <string>

namespace vit {

/// `text` without leading and trailing spaces, tabs, carriage returns and newlines.
inline std::string TrimWhitespace(const std::string& text) {
  const char* kSpace = " \t\r\n";
  const size_t begin = text.find_first_not_of(kSpace);
  if (begin == std::string::npos) return "";
  return text.substr(begin, text.find_last_not_of(kSpace) - begin + 1);
}

}  // namespace vit
