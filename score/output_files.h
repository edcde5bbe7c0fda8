// The run's output files: the score rows (CSV or JSONL) and, optionally, the
// embeddings side file (JSONL). Opening an existing output resumes it: a
// partial last record left by a crash is cut off, and the paths of the rows
// already there go into a DoneSet, so that the run skips them.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "common/status.h"
#include "score/append_file.h"
#include "score/done_set.h"
#include "score/row_format.h"
#include "score/score_row.h"

namespace vit::score {

struct OutputOptions {
  /// The rows file. Required.
  std::string path;
  OutputFormat format = OutputFormat::kCsv;
  /// Predictions per row (CSV columns).
  int top_k = 5;
  /// Embeddings side file (JSONL); "" = none.
  std::string embeddings_path;
};

class OutputFiles {
 public:
  /// Creates or resumes the files. `done` receives the rows already written.
  /// FAILED_PRECONDITION when a file cannot be written, or holds something
  /// other than vit-score rows of this format and top-k.
  static StatusOr<std::unique_ptr<OutputFiles>> Open(const OutputOptions& options, DoneSet* done);

  /// Writes the embedding line (when asked for and present), then the row;
  /// each reaches the kernel before Write returns.
  Status Write(const ScoreRow& row);
  /// Rows found in the file when it was opened.
  uint64_t resumed_rows() const { return resumed_rows_; }

 private:
  OutputFiles(const OutputOptions& options) : options_(options) {}
  Status OpenRows(DoneSet* done);
  Status OpenEmbeddings(const DoneSet& done);

  const OutputOptions options_;
  std::unique_ptr<AppendFile> rows_;
  std::unique_ptr<AppendFile> embeddings_;
  uint64_t resumed_rows_ = 0;
};

}  // namespace vit::score
