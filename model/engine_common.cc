#include "model/engine_common.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <cstring>
#include <filesystem>

#include "model/cpu_features.h"

namespace vit {

StatusOr<at::ScalarType> ResolveDtype(const std::string& dtype) {
  if (dtype == "fp32" || dtype == "float32") return at::kFloat;
  if (dtype == "bf16" || dtype == "bfloat16") return at::kBFloat16;
  if (dtype == "auto" || dtype.empty()) return CpuHasFastBf16() ? at::kBFloat16 : at::kFloat;
  return InvalidArgumentError("unknown dtype '" + dtype + "' (expected auto, fp32 or bf16)");
}

ModelInfo DescribeCheckpoint(const InferredModel& inferred, const std::string& folder) {
  ModelInfo info;
  info.id = std::filesystem::path(folder).filename().string();
  info.path = folder;
  info.source_format = inferred.source_format;
  info.architecture = inferred.vit.ToString();
  info.num_classes = inferred.vit.num_classes;
  info.feature_dim = inferred.vit.feature_dim();
  info.labels = inferred.labels;
  info.preprocess = inferred.preprocess;
  info.device = "cpu";
  return info;
}

Status CheckBatch(int batch) {
  if (batch <= 0)
    return InvalidArgumentError("batch size must be positive, got " + std::to_string(batch));
  return Status::Ok();
}

void UseThreads(int threads) {
  if (at::get_num_threads() != threads) at::set_num_threads(threads);
}

void CopyFloats(const at::Tensor& t, float* dst) {
  if (dst == nullptr) return;
  auto f = t.to(at::kFloat).contiguous();
  std::memcpy(dst, f.data_ptr<float>(), sizeof(float) * f.numel());
}

}  // namespace vit
