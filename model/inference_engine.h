// A loaded model ready to run on batches of patch tokens: the model library's
// main entry point for the server, the folder scorer and the tools.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/attention_capture.h"
#include "common/model_info.h"
#include "common/preprocess_spec.h"
#include "common/status.h"

namespace vit {

struct EngineOptions {
  /// "auto" (bf16 where the CPU has AMX or AVX512-BF16, else fp32), "fp32",
  /// "bf16" or "int8" (int8 linear layers: fast backend and a CPU with VNNI
  /// or AMX-INT8 only; never chosen by auto).
  std::string dtype = "auto";
  /// LibTorch intra-op threads; 0 = all cores (std::thread::hardware_concurrency()).
  int threads = 0;
  /// "fast" (weights prepacked for oneDNN, fused kernels: model/fast/) or
  /// "reference" (the LibTorch module; bf16 there is module->to(kBFloat16)).
  /// Default "fast".
  std::string backend = "fast";
};

class InferenceEngine {
 public:
  /// Loads a model folder (config.json + model.safetensors or model.pth); an
  /// empty `model_dir` means the embedded default model (DefaultModelDir()).
  static StatusOr<std::unique_ptr<InferenceEngine>> Load(const std::string& model_dir,
                                                         const EngineOptions& options = {});
  virtual ~InferenceEngine() = default;

  /// Architecture, preprocessing, labels, dtype, parameter count.
  virtual const ModelInfo& info() const = 0;

  /// Runs one batch. `tokens` holds batch * info().preprocess.num_patches() *
  /// info().preprocess.token_dim() floats (the preprocessing library's layout).
  /// Writes batch * info().num_classes logits and batch * info().feature_dim
  /// pooled features (either output pointer may be null). Thread-compatible:
  /// call from one thread at a time (the server's inference thread).
  virtual Status Run(const float* tokens, int batch, float* logits, float* features) = 0;

  /// Run() that also captures, for each image with capture.fusion[i] set,
  /// every block's softmax attention with its heads fused that way
  /// (common/attention_capture.h). capture.fusion must hold `batch` entries
  /// (INVALID_ARGUMENT otherwise). Logits and features are those of Run();
  /// images that did not ask cost nothing extra.
  virtual Status RunWithAttention(const float* tokens, int batch, float* logits, float* features,
                                  const AttentionCapture& capture) = 0;
};

/// The embedded Fashion-MNIST model's folder: $VIT_DEFAULT_MODEL_DIR, else
/// <executable dir>/../share/vit-serve/models/vit-fashion-mnist, else the
/// source tree's models/vit-fashion-mnist.
std::string DefaultModelDir();

}  // namespace vit
