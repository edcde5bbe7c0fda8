// DefaultModelTest without its dataset, through the real test binary
// (VIT_FASHION_MNIST_DIR pointed at an empty folder): a failure naming the
// package in CI (CI=true), a skip saying why elsewhere. Neither runs vit-eval.
#include <gtest/gtest.h>

#include "tests/support/subprocess.h"
#include "tests/support/temp_folder.h"

namespace vit::testing {
namespace {

// The default model tests with no dataset and $CI = `ci`.
ProcessResult RunWithoutDataset(const TempFolder& empty, const std::string& ci) {
  RunOptions options;
  options.start.environment = {"VIT_FASHION_MNIST_DIR=" + empty.path(), "CI=" + ci};
  options.timeout = std::chrono::seconds(120);
  return RunProcess(VIT_DEFAULT_MODEL_TEST_BINARY, {}, options);
}

TEST(DefaultModelGate, MissingDatasetFailsInCi) {
  TempFolder empty("vit-no-dataset");
  const ProcessResult run = RunWithoutDataset(empty, "true");
  EXPECT_NE(run.exit_code, 0) << run.output;
  EXPECT_NE(run.output.find("[  FAILED  ] DefaultModelTest.VitEvalReachesTargetAccuracy"),
            std::string::npos)
      << run.output;
  EXPECT_NE(run.output.find("dataset-fashion-mnist is not installed"), std::string::npos)
      << run.output;
  EXPECT_NE(run.output.find(empty / "t10k-images-idx3-ubyte.gz"), std::string::npos) << run.output;
}

TEST(DefaultModelGate, MissingDatasetSkipsOutsideCi) {
  TempFolder empty("vit-no-dataset");
  for (const char* ci : {"", "false"}) {
    const ProcessResult run = RunWithoutDataset(empty, ci);
    EXPECT_EQ(run.exit_code, 0) << run.output;
    EXPECT_NE(run.output.find("[  SKIPPED ] DefaultModelTest.VitEvalReachesTargetAccuracy"),
              std::string::npos)
        << run.output;
    EXPECT_NE(run.output.find("dataset-fashion-mnist is not installed"), std::string::npos)
        << run.output;
  }
}

}  // namespace
}  // namespace vit::testing
