// The shipped default model (models/vit-fashion-mnist), evaluated through the
// real vit-eval binary on the 10,000-image Fashion-MNIST test set.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <string>

#include "tests/training/temp_folder.h"
#include "training/idx_dataset.h"

namespace {

// stdout of `command`, and its exit status.
std::string RunCommand(const std::string& command, int* status) {
  std::string out;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return out;
  std::array<char, 4096> buffer;
  size_t n;
  while ((n = fread(buffer.data(), 1, buffer.size(), pipe)) > 0) out.append(buffer.data(), n);
  *status = pclose(pipe);
  return out;
}

TEST(DefaultModelTest, VitEvalReachesTargetAccuracyOnFashionMnistTestSet) {
  const std::string data = VIT_FASHION_MNIST_DIR;
  if (!std::filesystem::exists(data + "/t10k-images-idx3-ubyte.gz")) {
    GTEST_SKIP() << "dataset-fashion-mnist is not installed (" << data << ")";
  }
  // No --model: vit-eval must find the embedded default model by itself.
  int status = -1;
  const std::string out = RunCommand(
      std::string("'") + VIT_EVAL_BINARY + "' --data '" + data + "' --json --batch-size 64",
      &status);
  ASSERT_EQ(status, 0) << out;
  const auto json = nlohmann::json::parse(out, nullptr, /*allow_exceptions=*/false);
  ASSERT_FALSE(json.is_discarded()) << out;
  EXPECT_EQ(json["images"].get<int64_t>(), 10000);
  const double accuracy = json["accuracy"].get<double>();
  RecordProperty("accuracy", std::to_string(accuracy));
  // The project's target for the default model (issue 4); the shipped
  // weights reach 0.9236 in bf16 and fp32 (models/vit-fashion-mnist/README.md).
  constexpr double kTargetAccuracy = 0.92;
  EXPECT_GE(accuracy, kTargetAccuracy) << out;
}

// The folder-per-class mode decodes PNGs through the preprocessing library; on
// the same pixels it must give exactly what the IDX mode gives.
TEST(DefaultModelTest, FolderTreeOfPngsMatchesIdxOnTheSameImages) {
  const std::string data = VIT_FASHION_MNIST_DIR;
  if (!std::filesystem::exists(data + "/t10k-images-idx3-ubyte.gz")) {
    GTEST_SKIP() << "dataset-fashion-mnist is not installed (" << data << ")";
  }
  auto test = vit::training::LoadIdxSplit(data, "t10k");
  ASSERT_TRUE(test.ok()) << test.status().ToString();
  constexpr int kImages = 200;
  vit::testing::TempFolder tree;
  const auto& labels = vit::training::FashionMnistLabels();
  for (int i = 0; i < kImages; ++i) {
    const int label = static_cast<int>(test->labels[i].item<int64_t>());
    // "T-shirt/top" cannot be a folder name; the simplified form must match it.
    std::string folder = labels[label];
    for (char& c : folder)
      if (c == '/' || c == ' ') c = '_';
    std::filesystem::create_directories(tree.File(folder));
    cv::Mat image(28, 28, CV_8UC1, test->images[i].data_ptr<uint8_t>());
    char name[32];
    std::snprintf(name, sizeof(name), "/%05d.png", i);
    ASSERT_TRUE(cv::imwrite(tree.File(folder) + name, image));
  }
  int status_idx = -1, status_tree = -1;
  const std::string common = std::string("'") + VIT_EVAL_BINARY + "' --json --dtype fp32 --data '";
  const auto idx = nlohmann::json::parse(
      RunCommand(common + data + "' --limit " + std::to_string(kImages), &status_idx), nullptr,
      false);
  const auto folder =
      nlohmann::json::parse(RunCommand(common + tree.path() + "'", &status_tree), nullptr, false);
  ASSERT_EQ(status_idx, 0);
  ASSERT_EQ(status_tree, 0);
  ASSERT_FALSE(idx.is_discarded() || folder.is_discarded());
  EXPECT_EQ(folder["images"], kImages);
  EXPECT_EQ(folder["correct"], idx["correct"]);
  EXPECT_EQ(folder["confusion"], idx["confusion"]);
}

}  // namespace
