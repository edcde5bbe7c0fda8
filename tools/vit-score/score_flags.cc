#include "tools/vit-score/score_flags.h"

#include <CLI/CLI.hpp>

namespace vit::score {

void AddScoreFlags(CLI::App* app, ScoreOptions* o) {
  app->add_option("PATH", o->inputs, "Image files and folders to score (folders recursively)")
      ->required();
  app->add_option("-o,--output", o->output,
                  "Rows file (CSV or JSONL); an existing one is resumed: files already in it "
                  "are skipped")
      ->required();
  app->add_option("-m,--model", o->model_dir,
                  "Model folder (config.json + model.safetensors); default: the embedded model")
      ->envname("VIT_MODEL")
      ->capture_default_str();
  app->add_option("--format", o->format, "csv or jsonl; default: from the --output extension")
      ->check(CLI::IsMember({"", "csv", "jsonl"}))
      ->capture_default_str();
  app->add_option("--embeddings", o->embeddings,
                  "Also write each file's pooled features to this JSONL file (in process only)")
      ->capture_default_str();
  app->add_option("-b,--batch-size", o->batch_size,
                  "Files per inference batch (with --server: requests per stream round)")
      ->envname("VIT_SCORE_BATCH_SIZE")
      ->capture_default_str();
  app->add_option("--threads", o->threads, "LibTorch intra-op threads; 0 = all cores")
      ->envname("VIT_THREADS")
      ->capture_default_str();
  app->add_option("--workers", o->workers,
                  "Threads reading, decoding and preprocessing files; 0 = one per core")
      ->envname("VIT_SCORE_WORKERS")
      ->capture_default_str();
  app->add_option("-k,--top-k", o->top_k, "Predictions per file (at most the model's classes)")
      ->capture_default_str();
  app->add_option("--extensions", o->extensions,
                  "Extensions the folder walk keeps, comma-separated, case-insensitive; "
                  "\"\" = every file (files named as PATH are always scored)")
      ->capture_default_str();
  app->add_option("--shard", o->shard,
                  "I/N: score only shard I (0-based) of N, by a stable hash of each output path; "
                  "\"\" = all files")
      ->envname("VIT_SCORE_SHARD")
      ->capture_default_str();
  app->add_option("--server", o->server,
                  "HOST:PORT of a vit-server to score through (ClassifyStream); \"\" = in process")
      ->envname("VIT_SERVER")
      ->capture_default_str();
  app->add_option("--connect-timeout", o->connect_timeout_s,
                  "Seconds to wait for the --server to answer before giving up (exit 1)")
      ->capture_default_str();
  app->add_option("--dtype", o->dtype, "In-process inference dtype")
      ->check(CLI::IsMember({"auto", "fp32", "bf16"}))
      ->envname("VIT_DTYPE")
      ->capture_default_str();
  app->add_flag("!--no-progress", o->progress,
                "No progress bar / progress lines (the final summary is still printed)");
  app->add_option("--progress-interval", o->progress_interval_s,
                  "Seconds between progress lines when stderr is not a terminal")
      ->capture_default_str();
  app->add_flag("--unordered", o->unordered,
                "Write rows as they complete instead of in the walk's order");
  app->add_option("--max-pixels", o->max_pixels,
                  "Larger images (by their header) fail without being decoded")
      ->capture_default_str();
  app->add_option("--max-file-bytes", o->max_file_bytes,
                  "Larger files fail; 0 = 64 MiB in process, 16 MiB with --server")
      ->capture_default_str();
}

}  // namespace vit::score
