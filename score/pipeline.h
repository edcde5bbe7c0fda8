// The scoring pipeline:
//   walker thread -> [paths] -> worker pool (read / decode / preprocess)
//   -> [prepared] -> inference thread (batches) -> [rows] -> writer (caller's thread)
// Queues hand items on; an InFlightWindow bounds the files between the walker
// and the writer. Failed files skip the batch and go straight to the writer.
// Every admitted file ends as exactly one row, unless the run stops on a fatal
// error: after a backend failure every row already scored is still written
// (in walk order, with gaps for the files that were not); after an output
// failure nothing more is written.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/status.h"
#include "score/bounded_queue.h"
#include "score/done_set.h"
#include "score/file_selection.h"
#include "score/in_flight_window.h"
#include "score/progress.h"
#include "score/score_row.h"
#include "score/scoring_backend.h"

namespace vit::score {

struct PipelineOptions {
  /// Files per Score call. Default 32.
  int batch_size = 32;
  /// Worker threads reading and preprocessing; 0 = one per core. Default 0.
  int workers = 0;
  /// Write rows in walk order (deterministic output) rather than as they
  /// complete. Default true.
  bool ordered = true;
  /// Files admitted but not yet written; 0 = 2 * batch_size + 4 * workers.
  int max_in_flight = 0;
};

/// Receives each row, from the caller's thread; a non-OK status stops the run.
using RowSink = std::function<Status(const ScoreRow& row)>;

class ScorePipeline {
 public:
  ScorePipeline(PipelineOptions options, ScoringBackend* backend, const FileSelection* selection,
                const DoneSet* done, ProgressCounters* counters);
  ScorePipeline(const ScorePipeline&) = delete;
  ScorePipeline& operator=(const ScorePipeline&) = delete;

  /// Runs to the end. OK when every selected file got its row (failed files
  /// included); otherwise the fatal error that stopped the run.
  Status Run(const RowSink& sink);
  /// Files skipped because the output already had them.
  uint64_t skipped() const { return skipped_.load(); }
  /// Time spent inside ScoringBackend::Score and the files it scored: their
  /// ratio is the model's rate under this run's conditions (same machine load).
  double score_seconds() const { return score_seconds_; }
  uint64_t scored_in_batches() const { return scored_in_batches_; }

 private:
  struct WorkItem {
    uint64_t sequence = 0;
    std::string path;
    Status error;  // set by the walker (directory could not be listed)
  };
  struct PreparedItem {
    uint64_t sequence = 0;
    std::string path;
    std::unique_ptr<PreparedInput> input;
    Status status;
  };

  void Walk();
  void Prepare();
  void Infer();
  Status RunBatch(std::vector<PreparedItem>* batch);
  Status Write(const RowSink& sink);
  void Fail(const Status& status);
  static ScoreRow FailedRow(uint64_t sequence, std::string path, const Status& status);

  const PipelineOptions options_;
  ScoringBackend* const backend_;
  const FileSelection* const selection_;
  const DoneSet* const done_;
  ProgressCounters* const counters_;
  const int workers_;
  InFlightWindow window_;
  BoundedQueue<WorkItem> paths_;
  BoundedQueue<PreparedItem> prepared_;
  BoundedQueue<ScoreRow> rows_;
  std::atomic<uint64_t> admitted_{0};  // pushed to paths_
  std::atomic<uint64_t> arrived_{0};   // popped from prepared_
  std::atomic<int> workers_running_{0};
  std::atomic<uint64_t> skipped_{0};
  std::atomic<bool> cancelled_{false};
  double score_seconds_ = 0;        // inference thread only; read after Run
  uint64_t scored_in_batches_ = 0;  // inference thread only; read after Run
  std::mutex fatal_mu_;             // guards fatal_
  Status fatal_;
};

}  // namespace vit::score
