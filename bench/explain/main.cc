// vit-bench-explain: per batch size, the median time of InferenceEngine::Run
// (Classify's model work) and of RunWithAttention capturing every image plus
// ComputeHeatmap for each (Explain's model work, rollout included), on random
// tokens, interleaved so that both see the same machine load. Medians (and,
// in the JSON, minimums: the better estimate on a loaded machine). One JSON
// object per configuration with --json, else a table.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <optional>
#include <random>
#include <vector>

#include "common/attention_capture.h"
#include "common/attention_rollout.h"
#include "model/inference_engine.h"

namespace {

using Clock = std::chrono::steady_clock;

struct Times {
  std::vector<double> classify_ms, explain_ms;
};

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0.0 : v[v.size() / 2];
}

double Min(const std::vector<double>& v) {
  return v.empty() ? 0.0 : *std::min_element(v.begin(), v.end());
}

vit::Status RunExplain(vit::InferenceEngine& engine, const std::vector<float>& tokens, int batch,
                       std::vector<float>* logits, std::vector<float>* attention) {
  const vit::ModelInfo& info = engine.info();
  const int t = info.num_tokens();
  vit::AttentionCapture capture{
      std::vector<std::optional<vit::HeadFusion>>(batch, vit::HeadFusion::kMean),
      attention->data()};
  VIT_RETURN_IF_ERROR(
      engine.RunWithAttention(tokens.data(), batch, logits->data(), nullptr, capture));
  const vit::AttentionGeometry g{info.depth,
                                 t,
                                 info.num_prefix_tokens,
                                 info.has_class_token,
                                 info.preprocess.grid_height(),
                                 info.preprocess.grid_width()};
  for (int b = 0; b < batch; ++b) {
    VIT_ASSIGN_OR_RETURN(
        vit::Heatmap heatmap,
        vit::ComputeHeatmap(attention->data() + vit::AttentionCaptureSize(b, info.depth, t), g,
                            vit::ExplainSpec{}));
    (void)heatmap;
  }
  return vit::Status::Ok();
}

vit::StatusOr<Times> Measure(vit::InferenceEngine& engine, int batch, int warmup, int runs) {
  const vit::ModelInfo& info = engine.info();
  std::vector<float> tokens(static_cast<size_t>(batch) * info.preprocess.num_patches() *
                            info.preprocess.token_dim());
  std::mt19937 rng(1);
  std::normal_distribution<float> normal;
  for (float& x : tokens) x = normal(rng);
  std::vector<float> logits(static_cast<size_t>(batch) * info.num_classes);
  std::vector<float> attention(vit::AttentionCaptureSize(batch, info.depth, info.num_tokens()));
  Times times;
  for (int i = 0; i < warmup + runs; ++i) {
    const auto t0 = Clock::now();
    VIT_RETURN_IF_ERROR(engine.Run(tokens.data(), batch, logits.data(), nullptr));
    const auto t1 = Clock::now();
    VIT_RETURN_IF_ERROR(RunExplain(engine, tokens, batch, &logits, &attention));
    const auto t2 = Clock::now();
    if (i < warmup) continue;
    times.classify_ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
    times.explain_ms.push_back(std::chrono::duration<double, std::milli>(t2 - t1).count());
  }
  return times;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"vit-bench-explain: Run (Classify) vs RunWithAttention + rollout (Explain)"};
  std::string model;
  std::vector<int> batches{1, 8};
  vit::EngineOptions options;
  options.dtype = "fp32";
  int warmup = 2, runs = 10;
  bool json = false;
  app.add_option("--model", model, "Model folder")->required();
  app.add_option("--batch", batches, "Batch sizes")->delimiter(',')->capture_default_str();
  app.add_option("--dtype", options.dtype, "fp32, bf16 or int8")->capture_default_str();
  app.add_option("--backend", options.backend, "fast or reference")->capture_default_str();
  app.add_option("--threads", options.threads, "Threads; 0 = all cores")->capture_default_str();
  app.add_option("--warmup", warmup, "Untimed pairs of runs")->capture_default_str();
  app.add_option("--runs", runs, "Timed pairs of runs")->capture_default_str();
  app.add_flag("--json", json, "One JSON object per batch size");
  CLI11_PARSE(app, argc, argv);
  auto engine = vit::InferenceEngine::Load(model, options);
  if (!engine.ok()) {
    std::cerr << "vit-bench-explain: " << engine.status().ToString() << "\n";
    return 2;
  }
  const vit::ModelInfo& info = (*engine)->info();
  if (!json)
    std::printf("%-24s %-5s %5s %12s %12s %12s %12s %8s\n", "model", "dtype", "batch",
                "classify ms", "explain ms", "classify i/s", "explain i/s", "ratio");
  for (int batch : batches) {
    auto times = Measure(**engine, batch, warmup, runs);
    if (!times.ok()) {
      std::cerr << "vit-bench-explain: " << times.status().ToString() << "\n";
      return 2;
    }
    const double c = Median(times->classify_ms), e = Median(times->explain_ms);
    if (json) {
      std::printf(
          "{\"model\":\"%s\",\"dtype\":\"%s\",\"backend\":\"%s\",\"threads\":%d,\"batch\":%d,"
          "\"runs\":%d,\"classify_ms\":%.3f,\"explain_ms\":%.3f,\"classify_images_per_s\":%.2f,"
          "\"explain_images_per_s\":%.2f,\"classify_min_ms\":%.3f,\"explain_min_ms\":%.3f}\n",
          info.id.c_str(), info.dtype.c_str(), info.backend.c_str(), info.threads, batch, runs, c,
          e, 1000.0 * batch / c, 1000.0 * batch / e, Min(times->classify_ms),
          Min(times->explain_ms));
    } else {
      std::printf("%-24s %-5s %5d %12.2f %12.2f %12.2f %12.2f %8.3f\n", info.id.c_str(),
                  info.dtype.c_str(), batch, c, e, 1000.0 * batch / c, 1000.0 * batch / e, e / c);
    }
    std::fflush(stdout);
  }
  return 0;
}
