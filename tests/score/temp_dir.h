// A fresh temporary folder per test, removed at the end, and small file helpers.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace vit::score::testing {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

/// Writes `contents` to `path`, creating parent folders.
void WriteFile(const std::string& path, const std::string& contents);
std::string ReadFile(const std::string& path);
/// The file's lines without their '\n' (a last line without '\n' included).
std::vector<std::string> ReadLines(const std::string& path);

}  // namespace vit::score::testing
