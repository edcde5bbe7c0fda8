// Command-line flags shared by every tool that loads a model or reads images,
// so each knob has one flag name, one environment variable, one help text and
// the default of the Options struct it fills.
#pragma once

#include "model/inference_engine.h"
#include "preprocessing/image_preprocessor.h"

namespace CLI {
class App;
}

namespace vit::cli {

/// --dtype (env VIT_DTYPE), --threads (VIT_THREADS) and --backend
/// (VIT_BACKEND; VIT_ENGINE is still read as an older name of it).
void AddEngineFlags(CLI::App* app, EngineOptions* options);

/// The same flags one by one, for tools that take a list instead of one
/// (vit-bench's --dtype fp32,bf16).
void AddDtypeFlag(CLI::App* app, EngineOptions* options);
void AddThreadsFlag(CLI::App* app, EngineOptions* options);
void AddBackendFlag(CLI::App* app, EngineOptions* options);

/// --max-image-bytes (env VIT_MAX_IMAGE_BYTES) and --max-pixels (VIT_MAX_PIXELS).
void AddImageLimitFlags(CLI::App* app, preprocessing::PreprocessOptions* options);

}  // namespace vit::cli
