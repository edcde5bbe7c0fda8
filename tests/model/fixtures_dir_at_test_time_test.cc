// `VIT_FIXTURES_DIR=DIR ctest -R Parity` must test exactly the model folders
// in DIR (bug 3: ctest used to run the folders listed when the binary was
// built). This runs that very command, a ctest nested on this folder's
// tests, on roots made here. Nothing here may match -R Parity, or the nested
// ctest would start this test again.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "model/safetensors.h"
#include "tests/support/files.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_folder.h"
#include "tests/support/test_paths.h"

namespace vit {
namespace {

namespace fs = std::filesystem;
using testing::ProcessResult;

// The smallest fixture (64 px, 0.7 MB).
constexpr const char* kFixture = "timm_vit_gap_fcnorm";

// Copies kFixture to root/name, its reference logits shifted by `logits_offset`.
void CopyFixture(const std::string& root, const std::string& name, float logits_offset) {
  const fs::path source = fs::path(testing::FixturesDir()) / kFixture;
  const fs::path copy = fs::path(root) / name;
  fs::create_directories(copy);
  fs::copy_file(source / "config.json", copy / "config.json");
  fs::copy_file(source / "model.safetensors", copy / "model.safetensors");
  auto reference = ReadSafetensors((source / "reference.safetensors").string());
  ASSERT_TRUE(reference.ok()) << reference.status().ToString();
  int shifted = 0;
  for (auto& [key, tensor] : *reference) {
    if (key == "logits") {
      tensor = tensor + logits_offset;
      ++shifted;
    }
  }
  ASSERT_EQ(shifted, 1) << "no logits in " << source;
  ASSERT_TRUE(WriteSafetensors((copy / "reference.safetensors").string(), *reference).ok());
}

// ctest -R Parity on this folder's tests with VIT_FIXTURES_DIR=root. It
// runs from a folder of its own that includes this one, so that its logs
// (Testing/) never mix with those of the ctest running this test.
ProcessResult CtestParity(const std::string& root) {
  testing::TempFolder ctest_dir("vit-nested-ctest");
  if (!testing::WriteFile(ctest_dir / "CTestTestfile.cmake",
                          "subdirs(\"" VIT_MODEL_TESTS_DIR "\")\n")) {
    ADD_FAILURE() << "cannot write " << ctest_dir / "CTestTestfile.cmake";
    return {};
  }
  testing::RunOptions options;
  options.start.environment = {"VIT_FIXTURES_DIR=" + root};
  return testing::RunProcess(VIT_CTEST_COMMAND,
                             {"--test-dir", ctest_dir.path(), "-R", "Parity", "-E",
                              "FixturesDirAtTestTime", "--no-tests=error", "--output-on-failure"},
                             options);
}

TEST(FixturesDirAtTestTime, CorruptedCopyFailsAndIsNamedGoodCopyAlonePasses) {
  testing::TempFolder root("vit-fixtures-root");
  // The good copy keeps its name, which ctest also knew at build time.
  ASSERT_NO_FATAL_FAILURE(CopyFixture(root.path(), kFixture, 0.0f));
  ASSERT_NO_FATAL_FAILURE(CopyFixture(root.path(), "corrupted_logits", 0.5f));
  const ProcessResult both = CtestParity(root.path());
  EXPECT_NE(both.exit_code, 0) << both.output;
  EXPECT_NE(both.output.find("corrupted_logits logits"), std::string::npos) << both.output;

  fs::remove_all(root / "corrupted_logits");
  const ProcessResult good = CtestParity(root.path());
  EXPECT_EQ(good.exit_code, 0) << good.output;
  EXPECT_NE(good.output.find("Parity.LogitsAndFeaturesMatchReference"), std::string::npos)
      << good.output;
}

TEST(FixturesDirAtTestTime, EmptyOrMissingRootFails) {
  testing::TempFolder root("vit-fixtures-root");
  const ProcessResult empty = CtestParity(root.path());
  EXPECT_NE(empty.exit_code, 0) << empty.output;
  EXPECT_NE(empty.output.find("no model folders"), std::string::npos) << empty.output;
  const ProcessResult missing = CtestParity(root / "does-not-exist");
  EXPECT_NE(missing.exit_code, 0) << missing.output;
  EXPECT_NE(missing.output.find("no model folders"), std::string::npos) << missing.output;
}

}  // namespace
}  // namespace vit
