#include "tests/support/test_paths.h"

#include <cstdlib>

namespace vit::testing {

static std::string EnvOr(const char* name, const char* fallback) {
  const char* value = std::getenv(name);
  return (value != nullptr && *value != '\0') ? std::string(value) : std::string(fallback);
}

std::string FixturesDir() { return EnvOr("VIT_FIXTURES_DIR", VIT_DEFAULT_FIXTURES_DIR); }
std::string TestdataDir() { return EnvOr("VIT_TESTDATA_DIR", VIT_DEFAULT_TESTDATA_DIR); }
std::string TestImagesDir() { return TestdataDir() + "/images"; }
std::string FashionMnistDir() {
  return EnvOr("VIT_FASHION_MNIST_DIR", "/usr/share/datasets/fashion-mnist");
}
std::string SourceDir() { return VIT_SOURCE_DIR; }
std::string BinaryDir() { return VIT_BINARY_DIR; }

}  // namespace vit::testing
