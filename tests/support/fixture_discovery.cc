#include "tests/support/fixture_discovery.h"

#include <algorithm>
#include <cctype>
#include <filesystem>

#include "tests/support/test_paths.h"

namespace vit::testing {

std::vector<std::string> DiscoverModelFixtures() {
  namespace fs = std::filesystem;
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(FixturesDir(), ec)) {
    if (!entry.is_directory()) continue;
    const fs::path dir = entry.path();
    const bool has_weights = fs::exists(dir / "model.safetensors") || fs::exists(dir / "model.pth");
    if (has_weights && fs::exists(dir / "reference.safetensors")) out.push_back(dir.string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string FixtureTestName(const std::string& dir) {
  std::string name = std::filesystem::path(dir).filename().string();
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return name;
}

}  // namespace vit::testing
