// Runs the real vit-score binary on the shared test images (with bad files
// added) and on 1,000 generated images in nested folders: every file exactly
// once, failures recorded with a reason, a SIGKILLed run resumed to the same
// rows, shards adding up to the whole, and --server equal to in process.
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <map>
#include <memory>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <set>

#include "model/inference_engine.h"
#include "model/topk.h"
#include "preprocessing/image_preprocessor.h"
#include "tests/score/csv_rows.h"
#include "tests/score/image_tree.h"
#include "tests/score/score_process.h"
#include "tests/support/files.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_folder.h"
#include "tests/support/test_paths.h"
#ifdef VIT_SERVER_BINARY
#include "tests/server/server_process.h"
#endif

namespace vit::score {
namespace {

namespace fs = std::filesystem;
using testing::CompareRows;
using testing::CsvRecord;
using testing::ReadScoreCsv;
using vit::testing::ProcessResult;
using vit::testing::ReadFile;
using vit::testing::ReadLines;
using vit::testing::RunProcess;
using vit::testing::TempFolder;
using vit::testing::WriteFile;

constexpr int kGeneratedImages = 1000;

std::string ModelDir() { return vit::testing::FixturesDir() + "/timm_vit_tiny_patch16_224"; }

// Flags every run shares: the fixture model, fp32, quiet.
std::vector<std::string> Args(std::vector<std::string> args) {
  for (const char* flag : {"--model", "", "--dtype", "fp32", "--no-progress"}) args.push_back(flag);
  args[args.size() - 4] = ModelDir();
  return args;
}

ProcessResult Score(const std::vector<std::string>& args) {
  return RunProcess(VIT_SCORE_BINARY, Args(args));
}

std::multiset<std::string> PathSet(const std::vector<CsvRecord>& rows) {
  std::multiset<std::string> paths;
  for (const CsvRecord& row : rows) paths.insert(row.path);
  return paths;
}

class ScoreIntegrationTest : public ::testing::Test {
 protected:
  // One generated tree and one uninterrupted run shared by every test.
  static void SetUpTestSuite() {
    dir_ = new TempFolder();
    tree_ = new std::vector<std::string>(testing::MakeImageTree(*dir_ / "tree", kGeneratedImages));
    WriteFile(*dir_ / "tree/set0/README.txt", "not scored: filtered by extension");
    const ProcessResult run = Score({*dir_ / "tree", "--output", *dir_ / "baseline.csv"});
    baseline_output_ = new std::string(run.output);
    baseline_exit_ = run.exit_code;
  }
  static void TearDownTestSuite() {
    delete dir_;
    delete tree_;
    delete baseline_output_;
  }
  static std::vector<CsvRecord> Baseline() { return ReadScoreCsv(*dir_ / "baseline.csv"); }

  static TempFolder* dir_;
  static std::vector<std::string>* tree_;
  static std::string* baseline_output_;
  static int baseline_exit_;
};

TempFolder* ScoreIntegrationTest::dir_ = nullptr;
std::vector<std::string>* ScoreIntegrationTest::tree_ = nullptr;
std::string* ScoreIntegrationTest::baseline_output_ = nullptr;
int ScoreIntegrationTest::baseline_exit_ = -1;

TEST_F(ScoreIntegrationTest, GeneratedTreeEveryFileExactlyOnceInWalkOrder) {
  ASSERT_EQ(baseline_exit_, 0) << *baseline_output_;
  const std::vector<CsvRecord> rows = Baseline();
  ASSERT_EQ(rows.size(), static_cast<size_t>(kGeneratedImages));
  EXPECT_EQ(PathSet(rows), std::multiset<std::string>(tree_->begin(), tree_->end()));
  for (size_t i = 1; i < rows.size(); ++i) {
    const std::string a = fs::path(rows[i - 1].path).parent_path().string();
    const std::string b = fs::path(rows[i].path).parent_path().string();
    EXPECT_TRUE(a < b || (a == b && rows[i - 1].path < rows[i].path))
        << rows[i - 1].path << " then " << rows[i].path;
  }
  for (const CsvRecord& row : rows) {
    EXPECT_TRUE(row.error.empty()) << row.path << ": " << row.error;
    EXPECT_EQ(row.classes.size(), 5u);
  }
  EXPECT_NE(baseline_output_->find("1000 files, 1000 succeeded, 0 failed"), std::string::npos)
      << *baseline_output_;
}

TEST_F(ScoreIntegrationTest, KilledRunResumesToTheUninterruptedRows) {
  const std::string out = *dir_ / "killed.csv";
  const std::vector<std::string> args = Args(
      {*dir_ / "tree", "--output", out, "--batch-size", "4", "--workers", "1", "--threads", "1"});
  const ProcessResult killed = testing::RunAndKillAfterLines(VIT_SCORE_BINARY, args, out, 150);
  ASSERT_EQ(killed.signal, SIGKILL) << "finished before it could be killed: " << killed.output;
  const size_t rows_at_kill = ReadScoreCsv(out).size();
  EXPECT_GE(rows_at_kill, 149u);
  EXPECT_LT(rows_at_kill, static_cast<size_t>(kGeneratedImages));
  // A torn last row, as a crash inside a write would leave.
  WriteFile(out, ReadFile(out) + "\"" + (*dir_ / "tree/set3/part0/ba"));

  const ProcessResult resumed = RunProcess(VIT_SCORE_BINARY, args);
  ASSERT_EQ(resumed.exit_code, 0) << resumed.output;
  EXPECT_NE(resumed.output.find("skipped"), std::string::npos);
  EXPECT_NE(resumed.output.find(std::to_string(rows_at_kill) + " skipped"), std::string::npos)
      << resumed.output;
  EXPECT_EQ(CompareRows(Baseline(), ReadScoreCsv(out), 1e-5), "");

  // Once complete, another rerun scores nothing and changes nothing.
  const std::string complete = ReadFile(out);
  const ProcessResult again = RunProcess(VIT_SCORE_BINARY, args);
  EXPECT_EQ(again.exit_code, 0) << again.output;
  EXPECT_NE(again.output.find("0 files, 0 succeeded, 0 failed, 1000 skipped"), std::string::npos)
      << again.output;
  EXPECT_EQ(ReadFile(out), complete);
}

TEST_F(ScoreIntegrationTest, UnionOfShardsEqualsTheUnshardedRun) {
  std::vector<CsvRecord> all_shards;
  for (int shard = 0; shard < 3; ++shard) {
    const std::string out = *dir_ / ("shard" + std::to_string(shard) + ".jsonl.csv");
    const ProcessResult run =
        Score({*dir_ / "tree", "--output", out, "--shard", std::to_string(shard) + "/3"});
    ASSERT_EQ(run.exit_code, 0) << run.output;
    const std::vector<CsvRecord> rows = ReadScoreCsv(out);
    EXPECT_GT(rows.size(), static_cast<size_t>(kGeneratedImages / 4));
    all_shards.insert(all_shards.end(), rows.begin(), rows.end());
  }
  std::vector<CsvRecord> baseline = Baseline();
  const auto by_path = [](const CsvRecord& a, const CsvRecord& b) { return a.path < b.path; };
  std::sort(all_shards.begin(), all_shards.end(), by_path);
  std::sort(baseline.begin(), baseline.end(), by_path);
  EXPECT_EQ(CompareRows(baseline, all_shards, 1e-5), "");
}

// The shared test images plus files that must fail, each for its own reason.
std::string MakeBadInputFolder(const TempFolder& dir) {
  const std::string root = dir / "images";
  fs::create_directories(root);
  for (const auto& entry : fs::directory_iterator(vit::testing::TestImagesDir()))
    fs::copy_file(entry.path(), root + "/" + entry.path().filename().string());
  WriteFile(root + "/bad/not_an_image.jpg", "this is text, not a JPEG\n");
  WriteFile(root + "/bad/empty.png", "");
  fs::create_symlink(root + "/missing.png", root + "/bad/unreadable.png");
  cv::Mat big(2000, 2100, CV_8UC3, cv::Scalar(10, 200, 30));
  cv::imwrite(root + "/bad/too_large.png", big);
  WriteFile(root + "/notes.txt", "skipped by the extension filter");
  return root;
}

std::map<std::string, CsvRecord> ByName(const std::vector<CsvRecord>& rows) {
  std::map<std::string, CsvRecord> by_name;
  for (const CsvRecord& row : rows) {
    EXPECT_TRUE(by_name.emplace(fs::path(row.path).filename().string(), row).second)
        << "twice: " << row.path;
  }
  return by_name;
}

TEST(ScoreTestdataTest, EveryFileOnceWithReasonsForFailuresAndModelScores) {
  TempFolder dir;
  const std::string root = MakeBadInputFolder(dir);
  for (const std::string format : {"csv", "jsonl"}) {
    const std::string out = dir / ("scores." + format);
    const ProcessResult run = Score({root, "-o", out, "--max-pixels", "4000000", "-k", "3"});
    EXPECT_EQ(run.exit_code, 2) << run.output;
    EXPECT_NE(run.output.find("15 files, 10 succeeded, 5 failed"), std::string::npos) << run.output;
  }
  const auto rows = ByName(ReadScoreCsv(dir / "scores.csv"));
  std::set<std::string> expected;
  for (const auto& entry : fs::directory_iterator(vit::testing::TestImagesDir()))
    expected.insert(entry.path().filename().string());
  for (const char* bad : {"not_an_image.jpg", "empty.png", "unreadable.png", "too_large.png"})
    expected.insert(bad);
  std::set<std::string> names;
  for (const auto& [name, row] : rows) names.insert(name);
  EXPECT_EQ(names, expected);

  const std::map<std::string, std::string> reasons = {{"truncated.jpg", ""},
                                                      {"not_an_image.jpg", ""},
                                                      {"empty.png", ""},
                                                      {"unreadable.png", "NOT_FOUND"},
                                                      {"too_large.png", "4000000"}};
  for (const auto& [name, row] : rows) {
    const auto reason = reasons.find(name);
    if (reason == reasons.end()) {
      EXPECT_TRUE(row.error.empty()) << name << ": " << row.error;
      EXPECT_EQ(row.classes.size(), 3u) << name;
      continue;
    }
    EXPECT_TRUE(row.classes.empty()) << name;
    EXPECT_NE(row.error.find(name), std::string::npos) << name << ": " << row.error;
    EXPECT_NE(row.error.find(reason->second), std::string::npos) << name << ": " << row.error;
  }

  // The scores are the model's: the library in process gives the same top-3.
  EngineOptions engine_options;
  engine_options.dtype = "fp32";
  engine_options.threads = 1;
  auto engine = InferenceEngine::Load(ModelDir(), engine_options);
  ASSERT_TRUE(engine.ok()) << engine.status().ToString();
  const ModelInfo& info = (*engine)->info();
  preprocessing::ImagePreprocessor preprocessor(info.preprocess);
  for (const char* name : {"foo3x5x4indexed.png", "chelsea.png", "rocket.jpg"}) {
    std::vector<float> tokens(preprocessor.tokens_size()), logits(info.num_classes);
    ASSERT_TRUE(preprocessor.FileToTokens(root + "/" + name, tokens.data()).ok()) << name;
    ASSERT_TRUE((*engine)->Run(tokens.data(), 1, logits.data(), nullptr).ok());
    const auto top = TopK(logits.data(), info.num_classes, 3, info.labels);
    const CsvRecord& row = rows.at(name);
    ASSERT_EQ(row.classes.size(), 3u) << name;
    for (size_t i = 0; i < 3; ++i) {
      EXPECT_EQ(row.classes[i], top[i].index) << name;
      EXPECT_EQ(row.labels[i], top[i].label) << name;
      EXPECT_NEAR(row.probabilities[i], top[i].probability, 2e-6) << name;
    }
  }
}

TEST(ScoreTestdataTest, JsonlAndEmbeddingsSideFile) {
  TempFolder dir;
  const std::string root = MakeBadInputFolder(dir);
  const ProcessResult run = Score(
      {root, "-o", dir / "s.jsonl", "--embeddings", dir / "e.jsonl", "--max-pixels", "4000000"});
  EXPECT_EQ(run.exit_code, 2) << run.output;
  const auto rows = ReadLines(dir / "s.jsonl");
  const auto embeddings = ReadLines(dir / "e.jsonl");
  EXPECT_EQ(rows.size(), 15u);
  EXPECT_EQ(embeddings.size(), 10u);  // successes only
  EXPECT_NE(rows.front().find("\"predictions\":[{\"class\":"), std::string::npos) << rows.front();
  EXPECT_NE(embeddings.front().find("\"embedding\":["), std::string::npos);
}

TEST(ScoreUsageTest, UsageErrorsExitOne) {
  TempFolder dir;
  WriteFile(dir / "a.jpg", "x");
  const std::vector<std::vector<std::string>> cases = {
      {dir / "a.jpg"},                                            // no --output
      {dir / "missing", "-o", dir / "o.csv"},                     // no such PATH
      {dir / "a.jpg", "-o", dir / "o.txt"},                       // unknown format
      {dir / "a.jpg", "-o", dir / "o.csv", "--shard", "3/3"},     // bad shard
      {dir / "a.jpg", "-o", dir / "o.csv", "--batch-size", "0"},  // bad batch
      {dir / "a.jpg", "-o", dir / "o.csv", "--model", dir / "nomodel"},
      {dir / "a.jpg", "-o", dir / "o.csv", "--server", "127.0.0.1:1", "--embeddings", dir / "e"},
  };
  for (const auto& args : cases) {
    std::vector<std::string> full = args;
    if (std::find(args.begin(), args.end(), "--model") == args.end()) full = Args(args);
    const ProcessResult run = RunProcess(VIT_SCORE_BINARY, full);
    EXPECT_EQ(run.exit_code, 1) << ::testing::PrintToString(args) << "\n" << run.output;
  }
  const ProcessResult help = RunProcess(VIT_SCORE_BINARY, {"--help"});
  EXPECT_EQ(help.exit_code, 0);
  for (const char* flag :
       {"--batch-size", "--threads", "--workers", "--top-k", "--extensions", "--embeddings",
        "--shard", "--server", "--format", "--no-progress", "VIT_MODEL", "Exit codes"}) {
    EXPECT_NE(help.output.find(flag), std::string::npos) << flag;
  }
}

#ifdef VIT_SERVER_BINARY
TEST_F(ScoreIntegrationTest, ServerModeEqualsInProcess) {
  vit::server::testing::ServerProcess server;
  ASSERT_TRUE(server.Start(VIT_SERVER_BINARY, {"--model", ModelDir(), "--dtype", "fp32",
                                               "--threads", "1", "--max-pixels", "4000000"}))
      << server.output();
  TempFolder dir;
  const std::string images = MakeBadInputFolder(dir);
  for (const std::string& root : {*dir_ / "tree", images}) {
    const std::string local = dir / "local.csv", remote = dir / "remote.csv";
    fs::remove(local);
    fs::remove(remote);
    const ProcessResult in_process = Score({root, "-o", local, "--max-pixels", "4000000"});
    const ProcessResult served = RunProcess(
        VIT_SCORE_BINARY,
        {root, "-o", remote, "--server", server.address(), "--no-progress", "--batch-size", "64"});
    EXPECT_EQ(in_process.exit_code, served.exit_code) << served.output;
    EXPECT_NE(served.output.find("vit-server at " + server.address()), std::string::npos);
    EXPECT_EQ(CompareRows(ReadScoreCsv(local), ReadScoreCsv(remote), 1e-5), "") << root;
  }
}

TEST(ScoreServerTest, UnreachableServerIsASetupError) {
  TempFolder dir;
  WriteFile(dir / "a.jpg", "x");
  const ProcessResult run = RunProcess(
      VIT_SCORE_BINARY,
      {dir / "a.jpg", "-o", dir / "o.csv", "--server", "127.0.0.1:1", "--timeout-ms", "1000"});
  EXPECT_EQ(run.exit_code, 1) << run.output;
  EXPECT_NE(run.output.find("127.0.0.1:1"), std::string::npos) << run.output;
}
#endif

}  // namespace
}  // namespace vit::score
