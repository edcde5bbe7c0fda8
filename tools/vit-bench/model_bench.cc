#include "tools/vit-bench/model_bench.h"

#include <torch/types.h>
#include <torch/utils.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>

#include "model/checkpoint_loader.h"
#include "model/engine_common.h"
#include "model/inference_engine.h"
#include "tools/vit-bench/matmul_ceiling.h"
#include "tools/vit-bench/model_flops.h"
#include "tools/vit-bench/presets.h"
#include "tools/vit-bench/process_stats.h"

namespace vit::tools {
namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

// The model's display name: the preset, else the folder's name.
std::string ModelName(const std::string& model) {
  if (IsPreset(model)) return model;
  return std::filesystem::path(model).filename().string();
}

bool first_run_done = false;

Status TimeBatch(InferenceEngine& engine, const BenchOptions& options, int batch,
                 BenchResult* result) {
  const auto& info = engine.info();
  torch::manual_seed(batch);
  auto tokens = torch::randn({batch, info.preprocess.num_patches(), info.preprocess.token_dim()});
  std::vector<float> logits(static_cast<size_t>(batch) * info.num_classes);
  std::vector<float> features(static_cast<size_t>(batch) * info.feature_dim);
  auto run = [&]() {
    return engine.Run(tokens.data_ptr<float>(), batch, logits.data(), features.data());
  };
  for (int i = 0; i < options.warmup; ++i) {
    VIT_RETURN_IF_ERROR(run());
    if (!first_run_done) {
      first_run_done = true;
      result->first_result_s = SecondsSinceProcessStart();
    }
  }
  std::vector<double> times;
  const auto start = Clock::now();
  while (static_cast<int>(times.size()) < options.runs ||
         (Seconds(start, Clock::now()) < options.min_seconds &&
          static_cast<int>(times.size()) < 10 * options.runs)) {
    const auto t0 = Clock::now();
    VIT_RETURN_IF_ERROR(run());
    times.push_back(Seconds(t0, Clock::now()) * 1e3);
    if (!first_run_done) {
      first_run_done = true;
      result->first_result_s = SecondsSinceProcessStart();
    }
  }
  std::sort(times.begin(), times.end());
  result->runs = static_cast<int>(times.size());
  result->median_ms = times.size() % 2 == 1
                          ? times[times.size() / 2]
                          : (times[times.size() / 2 - 1] + times[times.size() / 2]) / 2;
  result->min_ms = times.front();
  result->max_ms = times.back();
  result->images_per_s = batch / (result->median_ms / 1e3);
  result->peak_rss_mib = PeakRssMiB();
  return Status::Ok();
}

// Matmul GFLOP per image of the model in `dir`, from its weights' header and
// config (the tensors are mapped, not read).
StatusOr<double> GflopPerImage(const std::string& dir) {
  VIT_ASSIGN_OR_RETURN(const Checkpoint checkpoint, LoadCheckpoint(dir));
  const auto& pre = checkpoint.inferred.preprocess;
  return MatmulGflopPerImage(checkpoint.inferred.vit, pre.grid_height(), pre.grid_width());
}

// oneDNN's ceiling per dtype that ran, measured once per run (a model's
// dtype is only known after loading: auto).
class Ceilings {
 public:
  explicit Ceilings(bool enabled) : enabled_(enabled) {}
  StatusOr<double> For(const std::string& dtype, int threads) {
    if (!enabled_) return 0.0;
    auto it = gflops_.find(dtype);
    if (it != gflops_.end()) return it->second;
    UseThreads(threads);
    VIT_ASSIGN_OR_RETURN(const double gflops, MatmulCeilingGflops(dtype, CeilingOptions{}));
    gflops_[dtype] = gflops;
    return gflops;
  }

 private:
  const bool enabled_;
  std::map<std::string, double> gflops_;
};

// Loads `dir` with `dtype` and times every batch size into `results`.
Status TimeModel(const BenchOptions& options, const std::string& model, const std::string& dir,
                 const std::string& dtype, std::vector<BenchResult>* results) {
  EngineOptions engine_options = options.engine;
  engine_options.dtype = dtype;
  const auto t0 = Clock::now();
  VIT_ASSIGN_OR_RETURN(const std::unique_ptr<InferenceEngine> engine,
                       InferenceEngine::Load(dir, engine_options));
  const double load_s = Seconds(t0, Clock::now());
  for (int batch : options.batches) {
    BenchResult result;
    result.model = ModelName(model);
    result.dtype = engine->info().dtype;
    result.backend = engine->info().backend;
    result.batch = batch;
    result.threads = engine->info().threads;
    result.load_s = load_s;
    VIT_RETURN_IF_ERROR(TimeBatch(*engine, options, batch, &result));
    results->push_back(result);
  }
  return Status::Ok();
}

}  // namespace

Status RunBenchmarks(const BenchOptions& options,
                     const std::function<void(const BenchResult&)>& report) {
  Ceilings ceilings(options.ceiling);
  for (const auto& model : options.models) {
    std::string dir = model;
    if (IsPreset(model)) {
      VIT_ASSIGN_OR_RETURN(dir, PresetFolder(model, options.preset_cache));
    }
    VIT_ASSIGN_OR_RETURN(const double gflop_per_image, GflopPerImage(dir));
    for (const auto& dtype : options.dtypes) {
      std::vector<BenchResult> results;
      VIT_RETURN_IF_ERROR(TimeModel(options, model, dir, dtype, &results));
      // The ceiling runs after the engine is gone and its configurations'
      // peak RSS is taken, so its large matrices never count in it.
      for (BenchResult& result : results) {
        VIT_ASSIGN_OR_RETURN(const double ceiling, ceilings.For(result.dtype, result.threads));
        result.gflop_per_image = gflop_per_image;
        result.gflops = gflop_per_image * result.images_per_s;
        result.ceiling_gflops = ceiling;
        result.ceiling_share = ceiling > 0 ? result.gflops / ceiling : 0;
        report(result);
      }
    }
  }
  return Status::Ok();
}

std::string FormatRow(const BenchResult& r, bool header) {
  char line[512];
  std::string out;
  if (header) {
    std::snprintf(line, sizeof(line),
                  "%-24s %-5s %-9s %5s %7s %10s %10s %10s %8s %9s %9s %8s %9s %7s\n", "model",
                  "dtype", "backend", "batch", "threads", "img/s", "median_ms", "min_ms", "load_s",
                  "first_s", "peak_MiB", "GFLOP/s", "ceiling", "share");
    out += line;
  }
  std::snprintf(
      line, sizeof(line),
      "%-24s %-5s %-9s %5d %7d %10.2f %10.2f %10.2f %8.2f %9.2f %9.0f %8.0f %9.0f %6.0f%%\n",
      r.model.c_str(), r.dtype.c_str(), r.backend.c_str(), r.batch, r.threads, r.images_per_s,
      r.median_ms, r.min_ms, r.load_s, r.first_result_s, r.peak_rss_mib, r.gflops, r.ceiling_gflops,
      100 * r.ceiling_share);
  return out + line;
}

std::string FormatJson(const BenchResult& r) {
  nlohmann::json json = {{"impl", "vit-serve"},
                         {"model", r.model},
                         {"dtype", r.dtype},
                         {"backend", r.backend},
                         {"batch", r.batch},
                         {"threads", r.threads},
                         {"runs", r.runs},
                         {"median_ms", r.median_ms},
                         {"min_ms", r.min_ms},
                         {"max_ms", r.max_ms},
                         {"images_per_s", r.images_per_s},
                         {"load_s", r.load_s},
                         {"peak_rss_mib", r.peak_rss_mib},
                         {"gflop_per_image", r.gflop_per_image},
                         {"gflops", r.gflops}};
  if (r.ceiling_gflops > 0) {
    json["ceiling_gflops"] = r.ceiling_gflops;
    json["ceiling_share"] = r.ceiling_share;
  }
  if (r.first_result_s > 0) json["first_result_s"] = r.first_result_s;
  return json.dump();
}

}  // namespace vit::tools
