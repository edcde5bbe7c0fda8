// DefaultModelTest's gate without its 10,000-image run: a missing
// Fashion-MNIST package fails the test in CI (CI=true) and skips it elsewhere,
// with a message naming the package and the missing file.
#include "tests/support/required_data.h"

#include <gtest/gtest.h>

#include "tests/support/files.h"
#include "tests/support/temp_folder.h"

namespace vit::testing {
namespace {

constexpr const char* kPackage = "dataset-fashion-mnist";

TEST(RequiredDataTest, CiIsTrueOrOne) {
  EXPECT_TRUE(IsCiRun("true"));
  EXPECT_TRUE(IsCiRun("TRUE"));
  EXPECT_TRUE(IsCiRun("1"));
  EXPECT_FALSE(IsCiRun(nullptr));
  EXPECT_FALSE(IsCiRun(""));
  EXPECT_FALSE(IsCiRun("false"));
  EXPECT_FALSE(IsCiRun("0"));
}

TEST(RequiredDataTest, PresentFileRuns) {
  TempFolder dir("vit-required-data");
  ASSERT_TRUE(WriteFile(dir / "t10k-images-idx3-ubyte.gz", "x"));
  EXPECT_FALSE(CheckRequiredData(dir / "t10k-images-idx3-ubyte.gz", kPackage, "true"));
  EXPECT_FALSE(CheckRequiredData(dir / "t10k-images-idx3-ubyte.gz", kPackage, nullptr));
}

TEST(RequiredDataTest, MissingFileFailsInCiWithPackageAndPath) {
  TempFolder dir("vit-required-data");
  const std::string missing_file = dir / "t10k-images-idx3-ubyte.gz";
  const auto missing = CheckRequiredData(missing_file, kPackage, "true");
  ASSERT_TRUE(missing);
  EXPECT_TRUE(missing->fail);
  EXPECT_NE(missing->message.find(kPackage), std::string::npos) << missing->message;
  EXPECT_NE(missing->message.find(missing_file), std::string::npos) << missing->message;
  EXPECT_NE(missing->message.find("failed, not skipped"), std::string::npos) << missing->message;
}

TEST(RequiredDataTest, MissingFileSkipsOutsideCiAndSaysWhy) {
  TempFolder dir("vit-required-data");
  for (const char* ci : {static_cast<const char*>(nullptr), "", "false"}) {
    const auto missing = CheckRequiredData(dir / "absent.gz", kPackage, ci);
    ASSERT_TRUE(missing);
    EXPECT_FALSE(missing->fail) << (ci ? ci : "unset");
    EXPECT_NE(missing->message.find(kPackage), std::string::npos) << missing->message;
    EXPECT_NE(missing->message.find("skipped outside CI"), std::string::npos) << missing->message;
  }
}

}  // namespace
}  // namespace vit::testing
