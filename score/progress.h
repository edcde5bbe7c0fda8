// Progress of a run: shared counters, the text shown while it runs (a bar on a
// terminal, a plain line every few seconds otherwise) and the final summary.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <string>
#include <thread>

#include "common/duration.h"

namespace vit::score {

/// Updated by the pipeline's writer (and the file counter), read by the reporter.
struct ProgressCounters {
  std::atomic<uint64_t> succeeded{0};
  std::atomic<uint64_t> failed{0};
  /// Files this run has to score (after --shard and resume); -1 until counted.
  std::atomic<int64_t> total{-1};
};

struct ProgressSnapshot {
  uint64_t succeeded = 0;
  uint64_t failed = 0;
  int64_t total = -1;
  double elapsed_s = 0;

  uint64_t done() const { return succeeded + failed; }
  double rate() const { return elapsed_s > 0 ? static_cast<double>(done()) / elapsed_s : 0; }
};

/// "[=========>          ] 512/1000  51%  123.4 img/s  ETA 0:00:04" (width = bar cells).
std::string FormatProgressBar(const ProgressSnapshot& s, int width);
/// "vit-score: 512/1000 files (3 failed), 123.4 images/s, ETA 0:00:04".
std::string FormatProgressLine(const ProgressSnapshot& s);
/// "vit-score: 1000 files, 997 succeeded, 3 failed, 250 skipped (already in the
/// output), 123.4 images/s, wall time 8.1 s".
std::string FormatSummary(const ProgressSnapshot& s, uint64_t skipped);

struct ProgressOptions {
  /// Show progress at all (--no-progress turns it off; the summary stays).
  bool enabled = true;
  /// Redraw a bar in place (stderr is a terminal) instead of printing lines.
  bool terminal = false;
  /// Time between plain lines. Default 5 s.
  std::chrono::milliseconds line_interval{5000};
  /// Time between bar redraws. Default 200 ms.
  std::chrono::milliseconds bar_interval{200};
};

/// Prints progress to `out` from its own thread between Start and Stop.
class ProgressReporter {
 public:
  ProgressReporter(ProgressOptions options, const ProgressCounters* counters, FILE* out);
  ~ProgressReporter();
  ProgressReporter(const ProgressReporter&) = delete;
  ProgressReporter& operator=(const ProgressReporter&) = delete;

  void Start();
  /// Stops the thread (a bar is finished with a newline); idempotent.
  void Stop();
  ProgressSnapshot Snapshot() const;

 private:
  void Loop();

  const ProgressOptions options_;
  const ProgressCounters* const counters_;
  FILE* const out_;
  std::chrono::steady_clock::time_point start_;
  std::thread thread_;
  std::mutex mu_;  // guards stop_
  std::condition_variable stop_changed_;
  bool stop_ = false;
};

}  // namespace vit::score
