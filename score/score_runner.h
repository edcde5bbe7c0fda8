// vit-score's run from options to exit code: checks the options, builds the
// backend (in process or a vit-server), opens or resumes the outputs, runs the
// pipeline with progress, prints the summary.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace vit::score {

/// Exit codes: every file scored / some files failed / usage or setup error,
/// or the run could not go on (output not writable, server gone).
enum ExitCode { kExitOk = 0, kExitUsage = 1, kExitSomeFailed = 2 };

struct ScoreOptions {
  /// Files and folders to score (folders are walked recursively). Required.
  std::vector<std::string> inputs;
  /// Model folder; "" = the embedded default model. Env VIT_MODEL.
  std::string model_dir;
  /// Rows file; resumed when it exists. Required.
  std::string output;
  /// "csv" or "jsonl"; "" = from the output's extension.
  std::string format;
  /// Embeddings side file (JSONL); "" = none. Not with --server.
  std::string embeddings;
  /// Files per inference batch (with --server: requests per stream round). Default 32.
  int batch_size = 32;
  /// LibTorch intra-op threads; 0 = all cores. Default 0.
  int threads = 0;
  /// Read / decode / preprocess threads; 0 = one per core. Default 0.
  int workers = 0;
  /// Predictions per file (capped at the model's classes). Default 5.
  int top_k = 5;
  /// Extensions kept by the walk (comma-separated, case-insensitive); "" = all files.
  std::string extensions = "jpg,jpeg,png,bmp,webp,tif,tiff,pbm,pgm,ppm,pnm,jp2";
  /// "I/N": score only shard I of N; "" = all. Default "".
  std::string shard;
  /// HOST:PORT of a vit-server to score through; "" = in process. Default "".
  std::string server;
  /// How long to wait for the vit-server to answer GetModelInfo, in seconds. Default 10.
  double connect_timeout_s = 10;
  /// Inference dtype in process: "auto", "fp32" or "bf16". Default "auto".
  std::string dtype = "auto";
  /// Show progress (bar on a terminal, a line every few seconds otherwise). Default true.
  bool progress = true;
  /// Seconds between progress lines when stderr is not a terminal. Default 5.
  double progress_interval_s = 5;
  /// Write rows as they complete instead of in walk order. Default false.
  bool unordered = false;
  /// Largest image in pixels (header check before decoding). Default 64,000,000.
  int64_t max_pixels = 64'000'000;
  /// Largest file in bytes; 0 = 64 MiB in process, 16 MiB with --server. Default 0.
  size_t max_file_bytes = 0;
};

/// Runs and returns the process exit code; messages go to stderr.
int RunScore(const ScoreOptions& options);

}  // namespace vit::score
