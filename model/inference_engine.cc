#include "model/inference_engine.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include "model/checkpoint_loader.h"
#include "model/engine_common.h"
#include "model/fast/fast_engine.h"
#include "model/reference_engine.h"

namespace vit {
namespace {

namespace fs = std::filesystem;

std::string ExecutableDir() {
  std::error_code ec;
  auto exe = fs::read_symlink("/proc/self/exe", ec);
  return ec ? std::string() : exe.parent_path().string();
}

StatusOr<std::unique_ptr<InferenceEngine>> LoadFast(const std::string& dir, at::ScalarType dtype,
                                                    int threads) {
  VIT_ASSIGN_OR_RETURN(Checkpoint checkpoint, LoadCheckpoint(dir));
  const auto precision = dtype == at::kQInt8      ? fast::Precision::kInt8
                         : dtype == at::kBFloat16 ? fast::Precision::kBf16
                                                  : fast::Precision::kFp32;
  return fast::FastEngine::Create(std::move(checkpoint), precision, threads);
}

}  // namespace

StatusOr<std::unique_ptr<InferenceEngine>> InferenceEngine::Load(const std::string& model_dir,
                                                                 const EngineOptions& options) {
  VIT_ASSIGN_OR_RETURN(const at::ScalarType dtype, ResolveDtype(options.dtype));
  if (options.backend != "fast" && options.backend != "reference") {
    return InvalidArgumentError("unknown engine backend '" + options.backend +
                                "' (expected fast or reference)");
  }
  if (dtype == at::kQInt8 && options.backend == "reference") {
    return InvalidArgumentError(
        "--dtype int8 runs on the fast backend only; the reference backend (the LibTorch "
        "module) is float: use --backend fast, or --dtype fp32 / bf16 with the reference");
  }
  if (options.threads < 0)
    return InvalidArgumentError("threads must be >= 0, got " + std::to_string(options.threads));
  const int threads = options.threads > 0
                          ? options.threads
                          : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  // LibTorch defaults to one intra-op thread on some machines: always set it.
  at::set_num_threads(threads);
  const std::string dir = model_dir.empty() ? DefaultModelDir() : model_dir;
  return options.backend == "fast" ? LoadFast(dir, dtype, threads)
                                   : LoadReferenceEngine(dir, dtype, threads);
}

std::string DefaultModelDir() {
  if (const char* env = std::getenv("VIT_DEFAULT_MODEL_DIR"); env != nullptr && *env != '\0')
    return env;
  const std::string exe_dir = ExecutableDir();
  if (!exe_dir.empty()) {
    const fs::path installed =
        fs::path(exe_dir) / ".." / "share" / "vit-serve" / "models" / "vit-fashion-mnist";
    if (fs::is_directory(installed)) return fs::weakly_canonical(installed).string();
  }
  return std::string(VIT_SOURCE_DIR) + "/models/vit-fashion-mnist";
}

}  // namespace vit
