#include "bench/score/model_throughput.h"

#include <chrono>
#include <random>
#include <vector>

namespace vit::bench {

StatusOr<double> MeasureModelThroughput(const ThroughputOptions& options) {
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
  const auto start = std::chrono::steady_clock::now();
  int done = 0;
  while (done < options.images) {
    VIT_RETURN_IF_ERROR((*engine)->Run(tokens.data(), options.batch_size, logits.data(), nullptr));
    done += options.batch_size;
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return done / seconds;
}

}  // namespace vit::bench
