// The shipped default model (models/vit-fashion-mnist), evaluated through the
// real vit-eval binary on the 10,000-image Fashion-MNIST test set.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <string>

#include "tests/support/required_data.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_folder.h"
#include "tests/support/test_paths.h"
#include "training/idx_dataset.h"

namespace {

using vit::testing::ProcessResult;

const std::string kData = vit::testing::FashionMnistDir();

// vit-eval with `args`; stdout (its JSON) apart from stderr (its log).
ProcessResult VitEval(const std::vector<std::string>& args) {
  vit::testing::RunOptions options;
  options.start.separate_stderr = true;
  options.timeout = std::chrono::seconds(800);
  return vit::testing::RunProcess(VIT_EVAL_BINARY, args, options);
}

class DefaultModelTest : public ::testing::Test {
 protected:
  // Without the dataset: a skip, except in CI (CI=true), where a skipped
  // accuracy gate would count as passed.
  void SetUp() override {
    const auto missing = vit::testing::CheckRequiredData(
        kData + "/t10k-images-idx3-ubyte.gz", "dataset-fashion-mnist", std::getenv("CI"));
    if (missing && missing->fail) FAIL() << missing->message;
    if (missing) GTEST_SKIP() << missing->message;
  }
};

TEST_F(DefaultModelTest, VitEvalReachesTargetAccuracyOnFashionMnistTestSet) {
  // No --model: vit-eval must find the embedded default model by itself.
  const ProcessResult run = VitEval({"--data", kData, "--json", "--batch-size", "64"});
  ASSERT_EQ(run.exit_code, 0) << run.output << run.errors;
  const auto json = nlohmann::json::parse(run.output, nullptr, /*allow_exceptions=*/false);
  ASSERT_FALSE(json.is_discarded()) << run.output;
  EXPECT_EQ(json["images"].get<int64_t>(), 10000);
  const double accuracy = json["accuracy"].get<double>();
  RecordProperty("accuracy", std::to_string(accuracy));
  // The project's target for the default model (issue 4); the shipped
  // weights reach 0.9236 in bf16 and fp32 (models/vit-fashion-mnist/README.md).
  constexpr double kTargetAccuracy = 0.92;
  EXPECT_GE(accuracy, kTargetAccuracy) << run.output;
}

// The folder-per-class mode decodes PNGs through the preprocessing library; on
// the same pixels it must give exactly what the IDX mode gives.
TEST_F(DefaultModelTest, FolderTreeOfPngsMatchesIdxOnTheSameImages) {
  auto test = vit::training::LoadIdxSplit(kData, "t10k");
  ASSERT_TRUE(test.ok()) << test.status().ToString();
  constexpr int kImages = 200;
  vit::testing::TempFolder tree("vit-default-model");
  const auto& labels = vit::training::FashionMnistLabels();
  for (int i = 0; i < kImages; ++i) {
    const int label = static_cast<int>(test->labels[i].item<int64_t>());
    // "T-shirt/top" cannot be a folder name; the simplified form must match it.
    std::string folder = labels[label];
    for (char& c : folder)
      if (c == '/' || c == ' ') c = '_';
    std::filesystem::create_directories(tree / folder);
    cv::Mat image(28, 28, CV_8UC1, test->images[i].data_ptr<uint8_t>());
    char name[32];
    std::snprintf(name, sizeof(name), "/%05d.png", i);
    ASSERT_TRUE(cv::imwrite(tree / folder + name, image));
  }
  const ProcessResult idx_run =
      VitEval({"--json", "--dtype", "fp32", "--data", kData, "--limit", std::to_string(kImages)});
  const ProcessResult tree_run = VitEval({"--json", "--dtype", "fp32", "--data", tree.path()});
  ASSERT_EQ(idx_run.exit_code, 0) << idx_run.errors;
  ASSERT_EQ(tree_run.exit_code, 0) << tree_run.errors;
  const auto idx = nlohmann::json::parse(idx_run.output, nullptr, false);
  const auto folder = nlohmann::json::parse(tree_run.output, nullptr, false);
  ASSERT_FALSE(idx.is_discarded() || folder.is_discarded());
  EXPECT_EQ(folder["images"], kImages);
  EXPECT_EQ(folder["correct"], idx["correct"]);
  EXPECT_EQ(folder["confusion"], idx["confusion"]);
}

}  // namespace
