// A fresh folder per test (or per test suite), removed with its contents.
#pragma once

#include <string>

namespace vit::testing {

class TempFolder {
 public:
  /// Creates $TMPDIR/`prefix`-XXXXXX (mkdtemp; /tmp without TMPDIR); the
  /// prefix says which test left a folder behind after a crash. Throws
  /// std::runtime_error when the folder cannot be made: a test that goes on
  /// without it would test nothing.
  explicit TempFolder(const std::string& prefix = "vit-test");
  ~TempFolder();
  TempFolder(const TempFolder&) = delete;
  TempFolder& operator=(const TempFolder&) = delete;

  const std::string& path() const { return path_; }
  /// path() + "/" + name (name may hold sub-folders).
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

}  // namespace vit::testing
