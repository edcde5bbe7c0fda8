#include "bench/score/model_throughput.h"

#include <sys/resource.h>

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
  std::normal_distribution<float> normal(0.0f, 1.0f);
  for (float& t : tokens) t = normal(rng);
  std::vector<float> logits(static_cast<size_t>(options.batch_size) * info.num_classes);
  VIT_RETURN_IF_ERROR((*engine)->Run(tokens.data(), options.batch_size, logits.data(), nullptr));
  const double cpu_start = CpuSeconds();
  const auto start = std::chrono::steady_clock::now();
  int done = 0;
  while (done < options.images) {
    VIT_RETURN_IF_ERROR((*engine)->Run(tokens.data(), options.batch_size, logits.data(), nullptr));
    done += options.batch_size;
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return Throughput{done / seconds, done / (CpuSeconds() - cpu_start)};
}

}  // namespace vit::bench
