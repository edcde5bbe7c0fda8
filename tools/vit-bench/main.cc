// vit-bench: model-only throughput and latency of vit-serve's inference engine.
#include <CLI/CLI.hpp>
#include <iostream>

#include "cli/engine_flags.h"
#include "tools/vit-bench/model_bench.h"
#include "tools/vit-bench/presets.h"

namespace {

std::vector<std::string> SplitCommas(const std::vector<std::string>& items) {
  std::vector<std::string> out;
  for (const auto& item : items) {
    size_t start = 0;
    while (start <= item.size()) {
      const size_t comma = std::min(item.find(',', start), item.size());
      if (comma > start) out.push_back(item.substr(start, comma - start));
      start = comma + 1;
    }
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "vit-bench: images/s and latency of InferenceEngine::Run on random tokens (model only, "
      "no decoding or preprocessing): warm-up, then the median of repeated runs per model x "
      "dtype x batch."};
  vit::tools::BenchOptions options;
  options.preset_cache = vit::tools::DefaultPresetCache();
  std::vector<std::string> models{"vit_base_patch16_224"}, batches{"1,8,32"}, dtypes{"fp32,bf16"};
  bool json = false, prepare = false;
  std::string presets;
  for (const auto& name : vit::tools::PresetNames())
    presets += (presets.empty() ? "" : ", ") + name;
  app.add_option("--model", models,
                 "Presets with random weights (" + presets + ") or model folders; comma-separated")
      ->capture_default_str();
  app.add_option("--batch", batches, "Batch sizes, comma-separated")->capture_default_str();
  app.add_option("--dtype", dtypes, "auto, fp32, bf16, int8; comma-separated")
      ->capture_default_str();
  vit::cli::AddThreadsFlag(&app, &options.engine);
  vit::cli::AddBackendFlag(&app, &options.engine);
  app.add_option("--warmup", options.warmup, "Untimed runs per configuration")
      ->capture_default_str();
  app.add_option("--runs", options.runs, "Minimum timed runs per configuration")
      ->capture_default_str();
  app.add_option("--min-time", options.min_seconds,
                 "Keep timing until this many seconds passed (at most 10x --runs)")
      ->capture_default_str();
  app.add_option("--preset-cache", options.preset_cache, "Folder for preset model folders")
      ->capture_default_str();
  bool no_ceiling = false;
  app.add_flag("--no-ceiling", no_ceiling,
               "Skip measuring oneDNN's matmul ceiling per dtype (a 2048^3 matmul, about 1 s "
               "each; the share column shows each configuration's fraction of it)");
  app.add_flag("--json", json, "One JSON object per configuration instead of a table");
  app.add_flag("--prepare", prepare, "Only write the preset folders, then exit");
  CLI11_PARSE(app, argc, argv);

  options.ceiling = !no_ceiling;
  options.models = SplitCommas(models);
  options.dtypes = SplitCommas(dtypes);
  options.batches.clear();
  for (const auto& b : SplitCommas(batches)) {
    try {
      options.batches.push_back(std::stoi(b));
    } catch (const std::exception&) {
      std::cerr << "vit-bench: --batch: '" << b << "' is not a number\n";
      return 1;
    }
    if (options.batches.back() <= 0) {
      std::cerr << "vit-bench: --batch: sizes must be positive\n";
      return 1;
    }
  }
  if (prepare) {
    for (const auto& model : options.models) {
      if (!vit::tools::IsPreset(model)) continue;
      auto folder = vit::tools::PresetFolder(model, options.preset_cache);
      if (!folder.ok()) {
        std::cerr << "vit-bench: " << folder.status().ToString() << "\n";
        return 2;
      }
      std::cout << *folder << "\n";
    }
    return 0;
  }
  bool first = true;
  auto status = vit::tools::RunBenchmarks(options, [&](const vit::tools::BenchResult& r) {
    std::cout << (json ? vit::tools::FormatJson(r) + "\n" : vit::tools::FormatRow(r, first))
              << std::flush;
    first = false;
  });
  if (!status.ok()) {
    std::cerr << "vit-bench: " << status.ToString() << "\n";
    return 2;
  }
  return 0;
}
