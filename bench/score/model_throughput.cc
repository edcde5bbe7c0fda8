#include "bench/score/model_throughput.h"

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <random>
#include <vector>

namespace vit::bench {
namespace {

double CpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  const auto seconds = [](const timeval& t) { return t.tv_sec + t.tv_usec * 1e-6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

}  // namespace

StatusOr<Throughput> MeasureModelThroughput(const ThroughputOptions& options) {
  auto engine = InferenceEngine::Load(options.model_dir, options.engine);
  VIT_RETURN_IF_ERROR(engine.status());
  const ModelInfo& info = (*engine)->info();
  const size_t per_image =
      static_cast<size_t>(info.preprocess.num_patches()) * info.preprocess.token_dim();
  std::vector<float> tokens(per_image * options.batch_size);
  std::mt19937 rng(1);
  // Like normalized pixels (timm mean/std 0.5 maps [0, 255] to [-1, 1]).
  std::uniform_real_distribution<float> pixel(-1.0f, 1.0f);
  for (float& t : tokens) t = pixel(rng);
  std::vector<float> logits(static_cast<size_t>(options.batch_size) * info.num_classes);
  VIT_RETURN_IF_ERROR((*engine)->Run(tokens.data(), options.batch_size, logits.data(), nullptr));
  Throughput result;
  const int rounds = std::max(options.rounds, 1);
  const int per_round = std::max(options.images / rounds, options.batch_size);
  const double cpu_start = CpuSeconds();
  const auto start = std::chrono::steady_clock::now();
  int done = 0;
  for (int round = 0; round < rounds; ++round) {
    const auto round_start = std::chrono::steady_clock::now();
    int round_done = 0;
    while (round_done < per_round) {
      VIT_RETURN_IF_ERROR(
          (*engine)->Run(tokens.data(), options.batch_size, logits.data(), nullptr));
      round_done += options.batch_size;
    }
    const double round_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - round_start).count();
    result.best_round_images_per_second =
        std::max(result.best_round_images_per_second, round_done / round_seconds);
    done += round_done;
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  result.images_per_second = done / seconds;
  result.images_per_cpu_second = done / (CpuSeconds() - cpu_start);
  return result;
}

}  // namespace vit::bench
