// The output formats, as pure functions: CSV (RFC 4180) and JSON Lines rows,
// and the readers resume needs (the path of each complete record).
//
// CSV:   path,class_1,label_1,probability_1,...,class_K,label_K,probability_K,error
// JSONL:
// {"error":null,"path":"a.jpg","predictions":[{"class":3,"label":"Dress","probability":0.91}]}
// Embeddings (JSONL): {"embedding":[...],"path":"a.jpg"}
// Probabilities are written with 6 decimals.
#pragma once

#include <cstddef>
#include <functional>
#include <string>

#include "common/status.h"
#include "score/score_row.h"

namespace vit::score {

enum class OutputFormat { kCsv, kJsonl };

/// "csv" / "jsonl" (also "json", "ndjson"); "" = from the file name's extension
/// (.csv, .jsonl, .ndjson, .json); anything else is INVALID_ARGUMENT.
StatusOr<OutputFormat> ResolveFormat(const std::string& flag, const std::string& output_path);

/// The CSV header line for `top_k` predictions, with '\n'.
std::string CsvHeader(int top_k);
/// One row with '\n'; rows with fewer than `top_k` predictions leave the rest empty.
std::string CsvRow(const ScoreRow& row, int top_k);
std::string JsonlRow(const ScoreRow& row);
std::string EmbeddingJsonlRow(const ScoreRow& row);
/// A field quoted when it holds a comma, quote, CR or LF.
std::string CsvField(const std::string& field);

/// Feeds a file's bytes record by record: calls `on_record(first_field,
/// end_offset)` for each complete record (one ending in a newline outside
/// quotes). CSV: the first field unquoted; JSONL: the line itself.
class RecordScanner {
 public:
  using Callback = std::function<Status(const std::string& first_field, size_t end_offset)>;
  RecordScanner(OutputFormat format, Callback on_record)
      : format_(format), on_record_(std::move(on_record)) {}

  /// Stops at the first non-OK status a callback returns.
  Status Feed(const char* data, size_t size);
  /// Bytes up to the end of the last complete record.
  size_t complete_bytes() const { return complete_bytes_; }

 private:
  const OutputFormat format_;
  const Callback on_record_;
  size_t offset_ = 0;
  size_t complete_bytes_ = 0;
  std::string field_;         // CSV: the first field so far; JSONL: the line so far
  bool in_quotes_ = false;    // CSV
  bool after_quote_ = false;  // CSV: just saw a quote inside a quoted field
  bool first_field_done_ = false;
};

/// The "path" member of a JSONL row; INVALID_ARGUMENT when the line is not one.
StatusOr<std::string> JsonlRowPath(const std::string& line);

}  // namespace vit::score
