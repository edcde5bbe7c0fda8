#include "cli/engine_flags.h"

#include <CLI/CLI.hpp>
#include <cstdlib>

namespace vit::cli {

void AddEngineFlags(CLI::App* app, EngineOptions* options) {
  AddDtypeFlag(app, options);
  AddThreadsFlag(app, options);
  AddBackendFlag(app, options);
}

void AddDtypeFlag(CLI::App* app, EngineOptions* options) {
  app->add_option("--dtype", options->dtype,
                  "Inference precision: auto (bf16 where the CPU has AMX or AVX512-BF16, else "
                  "fp32), fp32, bf16 or int8 (int8 linear layers, dynamic per-token "
                  "quantization: fast backend, CPU with VNNI or AMX-INT8; never picked by auto)")
      ->envname("VIT_DTYPE")
      ->check(CLI::IsMember({"auto", "fp32", "bf16", "int8"}))
      ->capture_default_str();
}

void AddThreadsFlag(CLI::App* app, EngineOptions* options) {
  app->add_option("--threads", options->threads,
                  "Inference threads (LibTorch / oneDNN intra-op); 0 = all cores")
      ->envname("VIT_THREADS")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
}

void AddBackendFlag(CLI::App* app, EngineOptions* options) {
  // VIT_ENGINE was the variable's first name; VIT_BACKEND wins when both are set.
  if (std::getenv("VIT_BACKEND") == nullptr) {
    if (const char* older = std::getenv("VIT_ENGINE"); older != nullptr && *older != '\0')
      options->backend = older;
  }
  app->add_option("--backend", options->backend,
                  "Inference engine: fast (weights prepacked for oneDNN, fused kernels) or "
                  "reference (the LibTorch module, for checking the fast one)")
      ->envname("VIT_BACKEND")
      ->check(CLI::IsMember({"fast", "reference"}))
      ->capture_default_str();
}

void AddImageLimitFlags(CLI::App* app, preprocessing::PreprocessOptions* options) {
  app->add_option("--max-image-bytes", options->max_image_bytes,
                  "Largest encoded image in bytes (file or request); larger ones fail with "
                  "INVALID_ARGUMENT before decoding")
      ->envname("VIT_MAX_IMAGE_BYTES")
      ->check(CLI::Range(size_t{1}, size_t{1} << 30))
      ->capture_default_str();
  app->add_option("--max-pixels", options->max_pixels,
                  "Largest image in pixels, checked from its header before decoding "
                  "(decompression bombs)")
      ->envname("VIT_MAX_PIXELS")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
}

}  // namespace vit::cli
