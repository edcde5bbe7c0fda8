#include "score/output_files.h"

#include <gtest/gtest.h>

#include "score/path_key.h"
#include "tests/support/files.h"
#include "tests/support/temp_folder.h"

namespace vit::score {
namespace {

using vit::testing::ReadFile;
using vit::testing::ReadLines;
using vit::testing::TempFolder;
using vit::testing::WriteFile;

ScoreRow Row(const std::string& path, bool ok = true) {
  ScoreRow row;
  row.path = path;
  if (ok) {
    row.predictions = {{1, "one", 0.75f}};
    row.embedding = {0.5f, -1.0f};
  } else {
    row.error = "DATA_LOSS: " + path + ": truncated";
  }
  return row;
}

std::unique_ptr<OutputFiles> Open(const OutputOptions& options, DoneSet* done) {
  auto files = OutputFiles::Open(options, done);
  EXPECT_TRUE(files.ok()) << files.status().ToString();
  return files.ok() ? std::move(files).value() : nullptr;
}

TEST(OutputFilesTest, NewCsvGetsHeaderAndRowsReachTheFileAtOnce) {
  TempFolder dir;
  DoneSet done;
  auto files = Open({dir / "out.csv", OutputFormat::kCsv, 1, ""}, &done);
  ASSERT_TRUE(files);
  EXPECT_EQ(ReadFile(dir / "out.csv"), CsvHeader(1));
  ASSERT_TRUE(files->Write(Row("a.jpg")).ok());
  // Visible without closing or flushing anything else.
  EXPECT_EQ(ReadLines(dir / "out.csv"),
            (std::vector<std::string>{"path,class_1,label_1,probability_1,error",
                                      "a.jpg,1,one,0.750000,"}));
  EXPECT_EQ(files->resumed_rows(), 0u);
  EXPECT_EQ(done.size(), 0u);
}

TEST(OutputFilesTest, ResumeCollectsDoneRowsAndCutsAPartialLastRow) {
  for (const OutputFormat format : {OutputFormat::kCsv, OutputFormat::kJsonl}) {
    TempFolder dir;
    const std::string out = dir / (format == OutputFormat::kCsv ? "o.csv" : "o.jsonl");
    {
      DoneSet done;
      auto files = Open({out, format, 1, ""}, &done);
      ASSERT_TRUE(files);
      ASSERT_TRUE(files->Write(Row("a.jpg")).ok());
      ASSERT_TRUE(files->Write(Row("b,\"q\".jpg", false)).ok());
    }
    const std::string complete = ReadFile(out);
    WriteFile(out, complete + (format == OutputFormat::kCsv ? "c.jpg,1,o" : "{\"path\":\"c.j"));
    DoneSet done;
    auto files = Open({out, format, 1, ""}, &done);
    ASSERT_TRUE(files);
    EXPECT_EQ(files->resumed_rows(), 2u);
    EXPECT_EQ(ReadFile(out), complete);  // partial row gone
    EXPECT_TRUE(done.Contains(StableHash("a.jpg")));
    EXPECT_TRUE(done.Contains(StableHash("b,\"q\".jpg")));
    EXPECT_FALSE(done.Contains(StableHash("c.jpg")));
    ASSERT_TRUE(files->Write(Row("c.jpg")).ok());
    EXPECT_EQ(ReadLines(out).size(), format == OutputFormat::kCsv ? 4u : 3u);
  }
}

TEST(OutputFilesTest, PartialCsvHeaderIsRewritten) {
  TempFolder dir;
  WriteFile(dir / "o.csv", "path,cla");
  DoneSet done;
  auto files = Open({dir / "o.csv", OutputFormat::kCsv, 2, ""}, &done);
  ASSERT_TRUE(files);
  EXPECT_EQ(ReadFile(dir / "o.csv"), CsvHeader(2));
}

TEST(OutputFilesTest, RefusesForeignOrDifferentlyShapedFiles) {
  TempFolder dir;
  WriteFile(dir / "k1.csv", CsvHeader(1) + "a.jpg,1,one,0.5,\n");
  DoneSet done;
  auto other_k = OutputFiles::Open({dir / "k1.csv", OutputFormat::kCsv, 3, ""}, &done);
  ASSERT_FALSE(other_k.ok());
  EXPECT_NE(other_k.status().message().find("--top-k"), std::string::npos);
  WriteFile(dir / "notes.jsonl", "hello\n");
  auto foreign = OutputFiles::Open({dir / "notes.jsonl", OutputFormat::kJsonl, 1, ""}, &done);
  ASSERT_FALSE(foreign.ok());
  EXPECT_NE(foreign.status().message().find("line 1"), std::string::npos);
  auto unwritable = OutputFiles::Open({dir / "no/such/dir.csv", OutputFormat::kCsv, 1, ""}, &done);
  EXPECT_FALSE(unwritable.ok());
}

TEST(OutputFilesTest, EmbeddingsWrittenForSuccessesAndOrphanLineDroppedOnResume) {
  TempFolder dir;
  const OutputOptions options{dir / "o.jsonl", OutputFormat::kJsonl, 1, dir / "e.jsonl"};
  {
    DoneSet done;
    auto files = Open(options, &done);
    ASSERT_TRUE(files);
    ASSERT_TRUE(files->Write(Row("a.jpg")).ok());
    ASSERT_TRUE(files->Write(Row("bad.jpg", false)).ok());
  }
  EXPECT_EQ(ReadLines(dir / "e.jsonl"),
            (std::vector<std::string>{"{\"embedding\":[0.5,-1.0],\"path\":\"a.jpg\"}"}));
  // A crash between the embedding line and its row, then a torn line.
  const std::string kept = ReadFile(dir / "e.jsonl");
  WriteFile(dir / "e.jsonl", kept + "{\"embedding\":[1.0],\"path\":\"c.jpg\"}\n{\"emb");
  DoneSet done;
  auto files = Open(options, &done);
  ASSERT_TRUE(files);
  EXPECT_EQ(ReadFile(dir / "e.jsonl"), kept);
}

}  // namespace
}  // namespace vit::score
