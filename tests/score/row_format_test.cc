#include "score/row_format.h"

#include <gtest/gtest.h>

namespace vit::score {
namespace {

ScoreRow Row(std::string path, std::vector<Prediction> predictions, std::string error = "") {
  ScoreRow row;
  row.path = std::move(path);
  row.predictions = std::move(predictions);
  row.error = std::move(error);
  return row;
}

// Records the first field of each complete record fed in `chunk`-byte pieces.
std::vector<std::string> Records(OutputFormat format, const std::string& text, size_t chunk,
                                 size_t* complete = nullptr) {
  std::vector<std::string> fields;
  RecordScanner scanner(format, [&](const std::string& field, size_t) {
    fields.push_back(field);
    return Status::Ok();
  });
  for (size_t i = 0; i < text.size(); i += chunk)
    EXPECT_TRUE(scanner.Feed(text.data() + i, std::min(chunk, text.size() - i)).ok());
  if (complete) *complete = scanner.complete_bytes();
  return fields;
}

TEST(ResolveFormatTest, FlagWinsElseExtension) {
  EXPECT_EQ(*ResolveFormat("", "out/Scores.CSV"), OutputFormat::kCsv);
  EXPECT_EQ(*ResolveFormat("", "scores.jsonl"), OutputFormat::kJsonl);
  EXPECT_EQ(*ResolveFormat("jsonl", "scores.csv"), OutputFormat::kJsonl);
  EXPECT_FALSE(ResolveFormat("", "scores.txt").ok());
  EXPECT_FALSE(ResolveFormat("", "dir.csv/scores").ok());
  EXPECT_FALSE(ResolveFormat("xml", "scores.csv").ok());
}

TEST(CsvTest, HeaderRowsAndQuoting) {
  EXPECT_EQ(CsvHeader(2),
            "path,class_1,label_1,probability_1,class_2,label_2,probability_2,error\n");
  EXPECT_EQ(CsvRow(Row("a,b.jpg", {{3, "Dress", 0.9f}, {0, "T-shirt/top", 0.0312344f}}), 2),
            "\"a,b.jpg\",3,Dress,0.900000,0,T-shirt/top,0.031234,\n");
  EXPECT_EQ(CsvRow(Row("x\"y.png", {}, "DATA_LOSS: truncated"), 2),
            "\"x\"\"y.png\",,,,,,,DATA_LOSS: truncated\n");
}

TEST(JsonlTest, RowsAreOneLineWithNullError) {
  EXPECT_EQ(JsonlRow(Row("a.jpg", {{3, "Dress", 0.25f}})),
            "{\"error\":null,\"path\":\"a.jpg\",\"predictions\":[{\"class\":3,\"label\":"
            "\"Dress\",\"probability\":0.25}]}\n");
  const std::string failed = JsonlRow(Row("line\nbreak.jpg", {}, "NOT_FOUND: gone"));
  EXPECT_EQ(failed.find('\n'), failed.size() - 1);
  EXPECT_EQ(*JsonlRowPath(failed.substr(0, failed.size() - 1)), "line\nbreak.jpg");
  EXPECT_FALSE(JsonlRowPath("{\"path\": 3}").ok());
  EXPECT_FALSE(JsonlRowPath("{\"path\": \"a.j").ok());
}

TEST(RecordScannerTest, CsvFirstFieldsAcrossChunksWithQuotedNewlines) {
  const std::string text = CsvHeader(1) + CsvRow(Row("a\nb,\"c\".jpg", {{1, "x", 0.5f}}), 1) +
                           CsvRow(Row("plain.jpg", {}, "e"), 1) + "\r\n" + "partial.jpg,1,x";
  for (size_t chunk : {1, 3, 4096}) {
    size_t complete = 0;
    EXPECT_EQ(Records(OutputFormat::kCsv, text, chunk, &complete),
              (std::vector<std::string>{"path", "a\nb,\"c\".jpg", "plain.jpg"}))
        << chunk;
    EXPECT_EQ(complete, text.size() - std::string("partial.jpg,1,x").size());
  }
}

TEST(RecordScannerTest, CsvCutInsideQuotesIsIncomplete) {
  const std::string text = "path,error\n\"a.jpg\",ok\n\"cut\nin quotes";
  size_t complete = 0;
  EXPECT_EQ(Records(OutputFormat::kCsv, text, 5, &complete),
            (std::vector<std::string>{"path", "a.jpg"}));
  EXPECT_EQ(complete, std::string("path,error\n\"a.jpg\",ok\n").size());
}

TEST(RecordScannerTest, JsonlLinesAndPartialTail) {
  const std::string text = "{\"path\":\"a\"}\n\n{\"path\":\"b\"}\n{\"pa";
  size_t complete = 0;
  EXPECT_EQ(Records(OutputFormat::kJsonl, text, 2, &complete),
            (std::vector<std::string>{"{\"path\":\"a\"}", "{\"path\":\"b\"}"}));
  EXPECT_EQ(complete, text.size() - 4);
}

}  // namespace
}  // namespace vit::score
