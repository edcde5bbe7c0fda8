#include "score/score_runner.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <system_error>
#include <thread>

#include "score/explain_output.h"
#include "score/file_selection.h"
#include "score/grpc_backend.h"
#include "score/in_process_backend.h"
#include "score/output_files.h"
#include "score/pipeline.h"
#include "score/progress.h"

namespace vit::score {
namespace {

void Error(const std::string& message) {
  std::fprintf(stderr, "vit-score: error: %s\n", message.c_str());
}

Status CheckOptions(const ScoreOptions& o) {
  if (o.inputs.empty()) return InvalidArgumentError("no PATH to score");
  for (const std::string& input : o.inputs) {
    std::error_code ec;
    if (!std::filesystem::exists(input, ec))
      return NotFoundError(input + ": no such file or directory");
  }
  if (o.output.empty()) return InvalidArgumentError("--output is required");
  if (o.batch_size < 1) return InvalidArgumentError("--batch-size must be >= 1");
  if (o.engine.threads < 0) return InvalidArgumentError("--threads must be >= 0");
  if (o.workers < 0) return InvalidArgumentError("--workers must be >= 0");
  if (o.top_k < 1) return InvalidArgumentError("--top-k must be >= 1");
  if (o.preprocess.max_pixels < 1) return InvalidArgumentError("--max-pixels must be >= 1");
  if (o.preprocess.max_image_bytes < 1)
    return InvalidArgumentError("--max-image-bytes must be >= 1");
  if (o.connection.timeout_ms < 0) return InvalidArgumentError("--timeout-ms must be >= 0");
  if (!o.connection.server.empty() && !o.embeddings.empty()) {
    return InvalidArgumentError(
        "--embeddings needs the model in process: ClassifyStream returns no embeddings");
  }
  if (!o.embeddings.empty() && o.embeddings == o.output)
    return InvalidArgumentError("--embeddings must be another file than --output");
  return Status::Ok();
}

StatusOr<std::unique_ptr<ScoringBackend>> MakeBackend(const ScoreOptions& o) {
  if (!o.connection.server.empty()) {
    RemoteOptions remote;
    remote.connection = o.connection;
    remote.preprocess = o.preprocess;
    remote.top_k = o.top_k;
    remote.explain_overlays = !o.explain_dir.empty();
    VIT_ASSIGN_OR_RETURN(std::unique_ptr<GrpcBackend> backend, GrpcBackend::Connect(remote));
    return std::unique_ptr<ScoringBackend>(std::move(backend));
  }
  InProcessOptions local;
  local.model_dir = o.model_dir;
  local.engine = o.engine;
  local.preprocess = o.preprocess;
  local.top_k = o.top_k;
  local.embeddings = !o.embeddings.empty();
  local.explain_overlays = !o.explain_dir.empty();
  VIT_ASSIGN_OR_RETURN(std::unique_ptr<InProcessBackend> backend, InProcessBackend::Create(local));
  return std::unique_ptr<ScoringBackend>(std::move(backend));
}

ProgressOptions MakeProgressOptions(const ScoreOptions& o) {
  ProgressOptions progress;
  progress.enabled = o.progress;
  progress.terminal = isatty(STDERR_FILENO) != 0;
  progress.line_interval =
      std::chrono::milliseconds(static_cast<int64_t>(std::max(o.progress_interval_s, 0.1) * 1000));
  return progress;
}

}  // namespace

int RunScore(const ScoreOptions& options) {
  if (Status status = CheckOptions(options); !status.ok()) {
    Error(status.message());
    return kExitUsage;
  }
  auto format = ResolveFormat(options.format, options.output);
  auto shard = ParseShard(options.shard);
  for (const Status& status : {format.status(), shard.status()}) {
    if (!status.ok()) {
      Error(status.message());
      return kExitUsage;
    }
  }
  auto backend = MakeBackend(options);
  if (!backend.ok()) {
    Error(backend.status().ToString());
    return kExitUsage;
  }
  const int top_k = std::min(options.top_k, (*backend)->num_classes());
  DoneSet done;
  auto outputs = OutputFiles::Open({options.output, *format, top_k, options.embeddings}, &done);
  if (!outputs.ok()) {
    Error(outputs.status().message());
    return kExitUsage;
  }
  std::fprintf(stderr, "vit-score: model %s\n", (*backend)->Describe().c_str());
  if ((*outputs)->resumed_rows() > 0) {
    std::fprintf(stderr, "vit-score: resuming %s: %llu rows already there are skipped\n",
                 options.output.c_str(),
                 static_cast<unsigned long long>((*outputs)->resumed_rows()));
  }

  FileSelection selection{options.inputs, {ParseExtensions(options.extensions)}, *shard};
  ProgressCounters counters;
  std::atomic<bool> stop_counting{false};
  std::thread counter([&] { counters.total = CountSelectedFiles(selection, done, stop_counting); });
  ProgressReporter reporter(MakeProgressOptions(options), &counters, stderr);
  PipelineOptions pipeline_options;
  pipeline_options.batch_size = options.batch_size;
  pipeline_options.workers = options.workers;
  pipeline_options.ordered = !options.unordered;
  ScorePipeline pipeline(pipeline_options, backend->get(), &selection, &done, &counters);
  reporter.Start();
  const Status status = pipeline.Run([&](const ScoreRow& row) {
    // The overlay first: a row in the output (what resume skips) implies its overlay exists.
    if (!options.explain_dir.empty() && row.error.empty())
      VIT_RETURN_IF_ERROR(WriteExplainOverlay(options.explain_dir, row.path, row.overlay_png));
    return (*outputs)->Write(row);
  });
  stop_counting = true;
  counter.join();
  reporter.Stop();
  const ProgressSnapshot summary = reporter.Snapshot();
  std::fprintf(stderr, "%s\n", FormatSummary(summary, pipeline.skipped()).c_str());
  if (pipeline.score_seconds() > 0 && summary.elapsed_s > 0) {
    std::fprintf(stderr,
                 "vit-score: inference busy %.0f%% of the wall time; model alone in this run: "
                 "%.1f images/s\n",
                 100 * pipeline.score_seconds() / summary.elapsed_s,
                 pipeline.scored_in_batches() / pipeline.score_seconds());
  }
  if (!status.ok()) {
    Error("stopped: " + status.ToString() + " (rows written so far are kept; rerun to resume)");
    return kExitUsage;
  }
  return summary.failed > 0 ? kExitSomeFailed : kExitOk;
}

}  // namespace vit::score
