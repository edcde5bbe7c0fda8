// vit-score --explain-dir: one overlay per scored image at the mirrored path,
// at the image's own size, none for a failed file; in process and through a
// vit-server (unary Explain), with the same predictions in both.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include <opencv2/imgcodecs.hpp>

#include "score/explain_output.h"
#include "tests/score/csv_rows.h"
#include "tests/server/server_process.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_folder.h"
#include "tests/support/test_paths.h"

namespace vit::score {
namespace {

namespace fs = std::filesystem;
using vit::testing::ProcessResult;
using vit::testing::RunProcess;
using vit::testing::TempFolder;

TEST(ExplainOverlayPathTest, MirrorsThePathInsideTheFolder) {
  EXPECT_EQ(ExplainOverlayPath("out", "photos/a/x.jpg"), "out/photos/a/x.jpg.explain.png");
  EXPECT_EQ(ExplainOverlayPath("out", "/data/x.jpg"), "out/data/x.jpg.explain.png");
  EXPECT_EQ(ExplainOverlayPath("out", "../up/./x.jpg"), "out/__/up/x.jpg.explain.png");
  EXPECT_NE(ExplainOverlayPath("out", "a/x.jpg"), ExplainOverlayPath("out", "b/x.jpg"));
}

std::string ModelDir() { return vit::testing::FixturesDir() + "/timm_vit_tiny_patch16_224"; }

// images/{baboon.jpg, nested/astronaut.png, nested/truncated.jpg}
std::string MakeImages(const TempFolder& dir) {
  const std::string root = dir / "images";
  fs::create_directories(root + "/nested");
  const std::string testdata = vit::testing::TestImagesDir();
  fs::copy_file(testdata + "/baboon.jpg", root + "/baboon.jpg");
  fs::copy_file(testdata + "/astronaut.png", root + "/nested/astronaut.png");
  fs::copy_file(testdata + "/truncated.jpg", root + "/nested/truncated.jpg");
  return root;
}

void ExpectOverlays(const std::string& explain_dir, const std::string& root) {
  for (const char* name : {"baboon.jpg", "nested/astronaut.png"}) {
    const std::string image = root + "/" + name;
    const cv::Mat overlay = cv::imread(ExplainOverlayPath(explain_dir, image), cv::IMREAD_COLOR);
    ASSERT_FALSE(overlay.empty()) << ExplainOverlayPath(explain_dir, image);
    EXPECT_EQ(overlay.size(), cv::imread(image, cv::IMREAD_COLOR).size()) << name;
  }
  EXPECT_FALSE(fs::exists(ExplainOverlayPath(explain_dir, root + "/nested/truncated.jpg")));
}

TEST(ScoreExplainTest, InProcessAndServerWriteTheSameOverlaysAndRows) {
  TempFolder dir("score-explain");
  const std::string root = MakeImages(dir);
  const ProcessResult local =
      RunProcess(VIT_SCORE_BINARY, {root, "-o", dir / "local.csv", "--model", ModelDir(), "--dtype",
                                    "fp32", "--no-progress", "--explain-dir", dir / "local"});
  EXPECT_EQ(local.exit_code, 2) << "one file fails: " << local.output;
  ExpectOverlays(dir / "local", root);

  vit::server::testing::ServerProcess server;
  ASSERT_TRUE(server.StartServing(VIT_SERVER_BINARY, {"--model", ModelDir(), "--dtype", "fp32"}))
      << server.output();
  const ProcessResult remote =
      RunProcess(VIT_SCORE_BINARY, {root, "-o", dir / "remote.csv", "--server", server.address(),
                                    "--no-progress", "--explain-dir", dir / "remote"});
  EXPECT_EQ(remote.exit_code, 2) << remote.output;
  ExpectOverlays(dir / "remote", root);
  EXPECT_EQ(testing::CompareRows(testing::ReadScoreCsv(dir / "local.csv"),
                                 testing::ReadScoreCsv(dir / "remote.csv"), 1e-5),
            "");
}

TEST(ScoreExplainTest, HelpDescribesTheFlag) {
  const ProcessResult help = RunProcess(VIT_SCORE_BINARY, {"--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.output.find("--explain-dir"), std::string::npos) << help.output;
  EXPECT_NE(help.output.find("PATH.explain.png"), std::string::npos) << help.output;
}

}  // namespace
}  // namespace vit::score
