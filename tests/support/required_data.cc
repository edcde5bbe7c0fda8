#include "tests/support/required_data.h"

#include <strings.h>

#include <filesystem>

namespace vit::testing {

bool IsCiRun(const char* ci) {
  return ci != nullptr && (strcasecmp(ci, "true") == 0 || std::string(ci) == "1");
}

std::optional<MissingData> CheckRequiredData(const std::string& file, const std::string& package,
                                             const char* ci) {
  std::error_code ignored;
  if (std::filesystem::exists(file, ignored)) return std::nullopt;
  MissingData missing;
  missing.fail = IsCiRun(ci);
  missing.message = "the package " + package + " is not installed: " + file + " is missing; " +
                    (missing.fail ? "failed, not skipped: CI=" + std::string(ci) +
                                        " is a CI run, which must not skip this test"
                                  : "skipped outside CI (with CI=true it fails)") +
                    " (install it: scripts/setup.sh or apt-get install " + package + ")";
  return missing;
}

}  // namespace vit::testing
