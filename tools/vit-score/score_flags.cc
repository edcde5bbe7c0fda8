#include "tools/vit-score/score_flags.h"

#include <CLI/CLI.hpp>

#include "cli/engine_flags.h"
#include "rpc/connection_flags.h"

namespace vit::score {
namespace {

// The connection flags, with vit-score's own meaning of --server and
// --timeout-ms in the help.
void AddServerFlags(CLI::App* app, ScoreOptions* o) {
  rpc::AddConnectionFlags(app, &o->connection);
  app->get_option("--server")
      ->description(
          "HOST:PORT of a vit-server to score through (ClassifyStream); \"\" = in process");
  app->get_option("--timeout-ms")
      ->description(
          "How long to wait for the --server to come up and answer its first call before "
          "giving up (exit 1); 0 = forever. The stream itself has no deadline");
}

// Older names, hidden from --help: --connect-timeout SECONDS (now
// --timeout-ms) and --max-file-bytes (now --max-image-bytes; 0 kept the default).
void AddDeprecatedFlags(CLI::App* app, ScoreOptions* o) {
  app->add_option_function<double>(
         "--connect-timeout",
         [o](double seconds) { o->connection.timeout_ms = static_cast<int>(seconds * 1000); },
         "Deprecated: --timeout-ms")
      ->check(CLI::PositiveNumber)
      ->group("");
  app->add_option_function<size_t>(
         "--max-file-bytes",
         [o](size_t bytes) {
           if (bytes > 0) o->preprocess.max_image_bytes = bytes;
         },
         "Deprecated: --max-image-bytes")
      ->group("");
}

}  // namespace

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
  app->add_option("--explain-dir", o->explain_dir,
                  "Also write each scored image's explanation (attention rollout, mean head "
                  "fusion, blended over the image) to DIR/PATH.explain.png, PATH the scored path "
                  "mirrored (a leading / dropped, '..' as '__'); with --server through unary "
                  "Explain calls instead of ClassifyStream")
      ->capture_default_str();
  app->add_option("-b,--batch-size", o->batch_size,
                  "Files per inference batch (with --server: requests per stream round)")
      ->envname("VIT_SCORE_BATCH_SIZE")
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
  cli::AddEngineFlags(app, &o->engine);
  AddServerFlags(app, o);
  app->add_flag("!--no-progress", o->progress,
                "No progress bar / progress lines (the final summary is still printed)");
  app->add_option("--progress-interval", o->progress_interval_s,
                  "Seconds between progress lines when stderr is not a terminal")
      ->capture_default_str();
  app->add_flag("--unordered", o->unordered,
                "Write rows as they complete instead of in the walk's order");
  cli::AddImageLimitFlags(app, &o->preprocess);
  AddDeprecatedFlags(app, o);
}

}  // namespace vit::score
