// Whole-file reads and writes for tests.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace vit::testing {

/// Writes `contents` to `path` (replacing it), creating parent folders; false
/// when the file cannot be written.
bool WriteFile(const std::string& path, const std::string& contents);
bool WriteFile(const std::string& path, const std::vector<uint8_t>& bytes);
/// The file's bytes; "" when it cannot be read.
std::string ReadFile(const std::string& path);
/// The file's lines without their '\n' (a last line without '\n' included).
std::vector<std::string> ReadLines(const std::string& path);

}  // namespace vit::testing
