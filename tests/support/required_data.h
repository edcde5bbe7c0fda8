// What a test does when data it needs is not installed. Outside CI a skip is
// enough; in CI a skipped gate (an accuracy target, say) would count as
// passed and vanish silently, so there it fails.
#pragma once

#include <optional>
#include <string>

namespace vit::testing {

/// Whether `ci` (the value of $CI, nullptr when unset) marks a CI run: "true"
/// (any case) or "1", as CI services set it.
bool IsCiRun(const char* ci);

struct MissingData {
  /// Fail (CI) rather than skip.
  bool fail = false;
  /// Names the missing file, the package that installs it, and why the test
  /// fails or skips.
  std::string message;
};

/// nullopt when `file` exists; else what to do, for a test that needs `file`
/// from the Debian package `package`, with $CI = `ci`.
std::optional<MissingData> CheckRequiredData(const std::string& file, const std::string& package,
                                             const char* ci);

}  // namespace vit::testing
