// vit-score's run from options to exit code: checks the options, builds the
// backend (in process or a vit-server), opens or resumes the outputs, runs the
// pipeline with progress, prints the summary.
#pragma once

#include <string>
#include <vector>

#include "model/inference_engine.h"
#include "preprocessing/image_preprocessor.h"
#include "rpc/channel.h"

namespace vit::score {

/// Exit codes: every file scored / some files failed / usage or setup error,
/// or the run could not go on (output not writable, server gone).
enum ExitCode { kExitOk = 0, kExitUsage = 1, kExitSomeFailed = 2 };

/// vit-score's default connection: no server, i.e. score in process.
inline rpc::ConnectionOptions NoServer() {
  rpc::ConnectionOptions connection;
  connection.server.clear();
  return connection;
}

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
  /// Folder for one explanation overlay per scored file (attention rollout,
  /// mean head fusion, no discard), at DIR/PATH.explain.png with PATH the
  /// scored path mirrored (score/explain_output.h); "" = none. In process
  /// and with --server (unary Explain calls instead of ClassifyStream).
  std::string explain_dir;
  /// Files per inference batch (with --server: requests per stream round). Default 32.
  int batch_size = 32;
  /// Read / decode / preprocess threads; 0 = one per core. Default 0.
  int workers = 0;
  /// Predictions per file (capped at the model's classes). Default 5.
  int top_k = 5;
  /// Extensions kept by the walk (comma-separated, case-insensitive); "" = all files.
  std::string extensions = "jpg,jpeg,png,bmp,webp,tif,tiff,pbm,pgm,ppm,pnm,jp2";
  /// "I/N": score only shard I of N; "" = all. Default "".
  std::string shard;
  /// The model in process: dtype, threads, backend (EngineOptions' defaults).
  EngineOptions engine;
  /// Limits on each file: max_image_bytes (also checked before sending with
  /// --server) and max_pixels (in process; a vit-server applies its own).
  preprocessing::PreprocessOptions preprocess;
  /// The vit-server to score through: address, TLS, token, and timeout_ms,
  /// the deadline of the first call (GetModelInfo, which waits for the server
  /// to come up). Here server "" (the default) = score in process.
  rpc::ConnectionOptions connection = NoServer();
  /// Show progress (bar on a terminal, a line every few seconds otherwise). Default true.
  bool progress = true;
  /// Seconds between progress lines when stderr is not a terminal. Default 5.
  double progress_interval_s = 5;
  /// Write rows as they complete instead of in walk order. Default false.
  bool unordered = false;
};

/// Runs and returns the process exit code; messages go to stderr.
int RunScore(const ScoreOptions& options);

}  // namespace vit::score
