// The pipeline over a fake backend: every file exactly once, walk order,
// failures as rows, no deadlock when failures wait on a partial batch, a fatal
// backend error stops the run, and the in-flight bound holds.
#include "score/pipeline.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <set>
#include <thread>

#include "tests/support/files.h"
#include "tests/support/temp_folder.h"

namespace vit::score {
namespace {

using vit::testing::ReadFile;
using vit::testing::TempFolder;
using vit::testing::WriteFile;

// A file's "score": class = its size % 7. Files starting with "bad" fail in
// Prepare; "remote-bad" fail in Score (as a per-file result).
class FakeBackend : public ScoringBackend {
 public:
  std::string Describe() const override { return "fake"; }
  int num_classes() const override { return 7; }
  Status Prepare(const std::string& path, PreparedInput* input) const override {
    if (prepares_++ == slow_prepare) std::this_thread::sleep_for(std::chrono::milliseconds(500));
    input->bytes = ReadFile(path);
    if (input->bytes.rfind("bad", 0) == 0) return DataLossError(path + ": bad bytes");
    return Status::Ok();
  }
  Status Score(const std::vector<PreparedInput*>& inputs,
               std::vector<ScoreResult>* results) override {
    if (++calls_ == fail_on_call) return UnavailableError("model gone");
    max_batch = std::max(max_batch, static_cast<int>(inputs.size()));
    results->assign(inputs.size(), ScoreResult{});
    for (size_t i = 0; i < inputs.size(); ++i) {
      if (inputs[i]->bytes.rfind("remote-bad", 0) == 0) {
        (*results)[i].status = InvalidArgumentError("cannot decode");
      } else {
        const int cls = static_cast<int>(inputs[i]->bytes.size() % 7);
        (*results)[i].predictions = {{cls, "c" + std::to_string(cls), 1.0f}};
      }
    }
    return Status::Ok();
  }
  int fail_on_call = -1;
  int slow_prepare = -1;  // this Prepare call (0-based) sleeps: its file arrives late
  int max_batch = 0;

 private:
  int calls_ = 0;
  mutable std::atomic<int> prepares_{0};
};

struct Collected {
  std::vector<ScoreRow> rows;
  Status status;
  uint64_t skipped = 0;
};

Collected RunOn(const std::string& root, FakeBackend* backend, PipelineOptions options,
                const DoneSet& done = DoneSet(), ShardSpec shard = {}) {
  FileSelection selection{{root}, {{"img"}}, shard};
  ProgressCounters counters;
  ScorePipeline pipeline(options, backend, &selection, &done, &counters);
  Collected collected;
  collected.status = pipeline.Run([&](const ScoreRow& row) {
    collected.rows.push_back(row);
    return Status::Ok();
  });
  collected.skipped = pipeline.skipped();
  EXPECT_EQ(counters.succeeded + counters.failed, collected.rows.size());
  return collected;
}

std::string MakeTree(const TempFolder& dir, int files, int bad_every) {
  for (int i = 0; i < files; ++i) {
    const std::string name = "d" + std::to_string(i % 5) + "/s" + std::to_string(i % 3) + "/f" +
                             std::to_string(1000 + i) + ".img";
    std::string contents(static_cast<size_t>(i % 50 + 1), 'x');
    if (bad_every > 0 && i % bad_every == 0) contents = (i % 2 ? "bad" : "remote-bad") + contents;
    WriteFile(dir / name, contents);
  }
  return dir.path();
}

std::vector<std::string> Paths(const std::vector<ScoreRow>& rows) {
  std::vector<std::string> paths;
  for (const ScoreRow& row : rows) paths.push_back(row.path);
  return paths;
}

TEST(ScorePipelineTest, OrderedRunWritesEveryFileOnceInWalkOrder) {
  TempFolder dir;
  const std::string root = MakeTree(dir, 300, 7);
  std::vector<std::string> walk_order;
  {
    FileWalker walker({root}, {{"img"}});
    WalkEntry entry;
    while (walker.Next(&entry)) walk_order.push_back(entry.path);
  }
  FakeBackend backend;
  const Collected run = RunOn(root, &backend, {/*batch_size=*/8, /*workers=*/3});
  ASSERT_TRUE(run.status.ok()) << run.status.ToString();
  EXPECT_EQ(Paths(run.rows), walk_order);
  EXPECT_LE(backend.max_batch, 8);
  int failed = 0;
  for (const ScoreRow& row : run.rows) {
    const bool bad = ReadFile(row.path).find("bad") != std::string::npos;
    EXPECT_EQ(!row.error.empty(), bad) << row.path;
    EXPECT_EQ(row.predictions.empty(), bad) << row.path;
    failed += bad;
  }
  EXPECT_EQ(failed, 300 / 7 + 1);
}

TEST(ScorePipelineTest, UnorderedRunHasTheSameRowSet) {
  TempFolder dir;
  const std::string root = MakeTree(dir, 200, 5);
  FakeBackend ordered_backend, unordered_backend;
  const Collected ordered = RunOn(root, &ordered_backend, {4, 2});
  PipelineOptions options{4, 2};
  options.ordered = false;
  const Collected unordered = RunOn(root, &unordered_backend, options);
  ASSERT_TRUE(unordered.status.ok());
  std::vector<std::string> a = Paths(ordered.rows), b = Paths(unordered.rows);
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  EXPECT_EQ(a, b);
  EXPECT_EQ(std::set<std::string>(b.begin(), b.end()).size(), b.size());
}

TEST(ScorePipelineTest, ManyFailuresBehindAPartialBatchDoNotDeadlock) {
  // Ordered rows of failures pile up behind a batch that the window's few
  // remaining slots can never fill: the inference stage must run it partially.
  TempFolder dir;
  WriteFile(dir / "a0.img", "good");
  for (int i = 1; i < 200; ++i) WriteFile(dir / ("a" + std::to_string(1000 + i) + ".img"), "bad");
  WriteFile(dir / "z.img", "good too");
  FakeBackend backend;
  PipelineOptions options{/*batch_size=*/64, /*workers=*/2};
  options.max_in_flight = 65;
  const Collected run = RunOn(dir.path(), &backend, options);
  ASSERT_TRUE(run.status.ok()) << run.status.ToString();
  EXPECT_EQ(run.rows.size(), 201u);
  EXPECT_TRUE(run.rows.front().error.empty());
  EXPECT_TRUE(run.rows.back().error.empty());
}

TEST(ScorePipelineTest, FatalBackendErrorStopsTheRunAndKeepsEarlierRows) {
  TempFolder dir;
  const std::string root = MakeTree(dir, 200, 0);
  FakeBackend backend;
  backend.fail_on_call = 3;
  const Collected run = RunOn(root, &backend, {/*batch_size=*/10, /*workers=*/2});
  EXPECT_EQ(run.status.code(), StatusCode::kUnavailable);
  EXPECT_LT(run.rows.size(), 200u);
  EXPECT_GE(run.rows.size(), 20u);  // the two batches before the failure
}

TEST(ScorePipelineTest, FatalBackendErrorStillWritesRowsHeldBehindALateFile) {
  // The 11th file is prepared late, so the next two batches run without it and
  // the third fails. Their rows wait behind it in walk order; they are results
  // and must be written (with the gap) rather than dropped.
  TempFolder dir;
  const std::string root = MakeTree(dir, 200, 0);
  FakeBackend backend;
  backend.fail_on_call = 3;
  backend.slow_prepare = 10;
  const Collected run = RunOn(root, &backend, {/*batch_size=*/10, /*workers=*/2});
  EXPECT_EQ(run.status.code(), StatusCode::kUnavailable);
  EXPECT_GE(run.rows.size(), 20u);
  EXPECT_LT(run.rows.size(), 200u);
  for (size_t i = 1; i < run.rows.size(); ++i)
    EXPECT_LT(run.rows[i - 1].sequence, run.rows[i].sequence) << "walk order, each file once";
}

TEST(ScorePipelineTest, SinkErrorStopsTheRun) {
  TempFolder dir;
  const std::string root = MakeTree(dir, 100, 0);
  FakeBackend backend;
  FileSelection selection{{root}, {{"img"}}, {}};
  DoneSet done;
  ProgressCounters counters;
  ScorePipeline pipeline({4, 2}, &backend, &selection, &done, &counters);
  int written = 0;
  const Status status = pipeline.Run(
      [&](const ScoreRow&) { return ++written == 10 ? DataLossError("disk full") : Status::Ok(); });
  EXPECT_EQ(status.code(), StatusCode::kDataLoss);
  EXPECT_EQ(written, 10);
}

TEST(ScorePipelineTest, DoneFilesAreSkippedAndShardsPartitionTheRun) {
  TempFolder dir;
  const std::string root = MakeTree(dir, 150, 0);
  FakeBackend backend;
  const Collected all = RunOn(root, &backend, {8, 2});
  DoneSet done;
  for (size_t i = 0; i < all.rows.size(); i += 3) done.Add(StableHash(all.rows[i].path));
  done.Seal();
  const Collected rest = RunOn(root, &backend, {8, 2}, done);
  EXPECT_EQ(rest.skipped, 50u);
  EXPECT_EQ(rest.rows.size(), 100u);

  std::multiset<std::string> union_of_shards;
  for (int s = 0; s < 3; ++s) {
    const Collected shard = RunOn(root, &backend, {8, 2}, DoneSet(), ShardSpec{s, 3});
    EXPECT_GT(shard.rows.size(), 20u);
    for (const ScoreRow& row : shard.rows) union_of_shards.insert(row.path);
  }
  const std::vector<std::string> all_paths = Paths(all.rows);
  EXPECT_EQ(union_of_shards, std::multiset<std::string>(all_paths.begin(), all_paths.end()));
}

}  // namespace
}  // namespace vit::score
