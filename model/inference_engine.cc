#include "model/inference_engine.h"

#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <thread>

#include "model/cpu_features.h"
#include "model/fast/fast_vit_runner.h"
#include "model/model_loader.h"

namespace vit {
namespace {

namespace fs = std::filesystem;

StatusOr<torch::ScalarType> ResolveDtype(const std::string& dtype) {
  if (dtype == "fp32" || dtype == "float32") return torch::kFloat32;
  if (dtype == "bf16" || dtype == "bfloat16") return torch::kBFloat16;
  if (dtype == "auto" || dtype.empty())
    return CpuHasFastBf16() ? torch::kBFloat16 : torch::kFloat32;
  return InvalidArgumentError("unknown dtype '" + dtype + "' (expected auto, fp32 or bf16)");
}

StatusOr<bool> ResolveFastBackend(const std::string& option) {
  std::string backend = option;
  if (backend.empty()) {
    const char* env = std::getenv("VIT_ENGINE");
    backend = env != nullptr ? env : "";
  }
  if (backend.empty() || backend == "fast") return true;
  if (backend == "reference") return false;
  return InvalidArgumentError("unknown engine backend '" + backend +
                              "' (expected fast or reference)");
}

class TorchInferenceEngine final : public InferenceEngine {
 public:
  TorchInferenceEngine(LoadedModel model, torch::ScalarType dtype, int threads, bool fast)
      : model_(std::move(model)), dtype_(dtype), threads_(threads) {
    for (const auto& p : model_.net->parameters()) info_.num_parameters += p.numel();
    const auto& pre = model_.inferred.preprocess;
    if (fast) {
      // Packs the weights and frees the module's float32 copies of them.
      fast::FastVitOptions fast_options;
      fast_options.bf16 = dtype_ == torch::kBFloat16;
      fast_ = std::make_unique<fast::FastVitRunner>(model_.net, pre.grid_height(), pre.grid_width(),
                                                    fast_options);
    } else if (dtype_ != torch::kFloat32) {
      model_.net->to(dtype_);
    }
    const auto& inferred = model_.inferred;
    info_.id = fs::path(model_.folder).filename().string();
    info_.path = model_.folder;
    info_.source_format = inferred.source_format;
    info_.architecture = inferred.vit.ToString();
    info_.num_classes = inferred.vit.num_classes;
    info_.feature_dim = inferred.vit.feature_dim();
    info_.labels = inferred.labels;
    info_.preprocess = inferred.preprocess;
    info_.dtype = dtype_ == torch::kBFloat16 ? "bf16" : "fp32";
    info_.device = "cpu";
    info_.threads = threads;
  }

  const ModelInfo& info() const override { return info_; }

  Status Run(const float* tokens, int batch, float* logits, float* features) override {
    if (batch <= 0)
      return InvalidArgumentError("batch size must be positive, got " + std::to_string(batch));
    const auto& pre = info_.preprocess;
    try {
      torch::InferenceMode inference_mode;
      // The calling thread's OpenMP team size is what oneDNN and LibTorch use.
      if (torch::get_num_threads() != threads_) torch::set_num_threads(threads_);
      if (fast_) {
        auto out = fast_->Run(tokens, batch);
        CopyOut(out.logits, logits);
        CopyOut(out.features, features);
        return Status::Ok();
      }
      auto input =
          torch::from_blob(const_cast<float*>(tokens), {batch, pre.num_patches(), pre.token_dim()});
      if (dtype_ != torch::kFloat32) input = input.to(dtype_);
      // Patch grid of the preprocessing crop (may differ from the trained one
      // for dynamic-size models).
      auto out = model_.net->ForwardOutputs(input, pre.grid_height(), pre.grid_width());
      CopyOut(out.logits, logits);
      CopyOut(out.features, features);
      return Status::Ok();
    } catch (const std::exception& e) {
      return InternalError(std::string("inference failed: ") + e.what());
    }
  }

 private:
  static void CopyOut(const torch::Tensor& t, float* dst) {
    if (dst == nullptr) return;
    auto f = t.to(torch::kFloat32).contiguous();
    std::memcpy(dst, f.data_ptr<float>(), sizeof(float) * f.numel());
  }

  LoadedModel model_;
  torch::ScalarType dtype_;
  int threads_;
  std::unique_ptr<fast::FastVitRunner> fast_;  // null: the reference module runs
  ModelInfo info_;
};

std::string ExecutableDir() {
  std::error_code ec;
  auto exe = fs::read_symlink("/proc/self/exe", ec);
  return ec ? std::string() : exe.parent_path().string();
}

}  // namespace

StatusOr<std::unique_ptr<InferenceEngine>> InferenceEngine::Load(const std::string& model_dir,
                                                                 const EngineOptions& options) {
  auto dtype = ResolveDtype(options.dtype);
  if (!dtype.ok()) return dtype.status();
  auto fast = ResolveFastBackend(options.backend);
  if (!fast.ok()) return fast.status();
  if (options.threads < 0)
    return InvalidArgumentError("threads must be >= 0, got " + std::to_string(options.threads));
  const int threads = options.threads > 0
                          ? options.threads
                          : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  // LibTorch defaults to one intra-op thread on some machines: always set it.
  torch::set_num_threads(threads);
  const std::string dir = model_dir.empty() ? DefaultModelDir() : model_dir;
  auto model = LoadModelFolder(dir);
  if (!model.ok()) return model.status();
  try {
    std::unique_ptr<InferenceEngine> engine =
        std::make_unique<TorchInferenceEngine>(std::move(*model), *dtype, threads, *fast);
    return engine;
  } catch (const std::exception& e) {
    return InternalError(std::string("preparing the model for inference failed: ") + e.what());
  }
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
