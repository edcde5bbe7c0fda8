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
  if (dtype == "int8") {
    VIT_RETURN_IF_ERROR(CheckInt8Support(DetectInt8Isa()));
    return at::kQInt8;
  }
  if (dtype == "auto" || dtype.empty()) return CpuHasFastBf16() ? at::kBFloat16 : at::kFloat;
  return InvalidArgumentError("unknown dtype '" + dtype + "' (expected auto, fp32, bf16 or int8)");
}

Int8Isa DetectInt8Isa() {
  Int8Isa isa;
  isa.amx_int8 = CpuHasAmxInt8();
  isa.avx512_vnni = CpuHasAvx512Vnni();
  isa.avx_vnni = CpuHasAvxVnni();
  return isa;
}

Status CheckInt8Support(const Int8Isa& isa) {
  if (isa.amx_int8 || isa.avx512_vnni || isa.avx_vnni) return Status::Ok();
  return FailedPreconditionError(
      "--dtype int8 needs a CPU with int8 dot products (AVX512-VNNI, AVX-VNNI or AMX-INT8); "
      "this CPU has none, so int8 would run on slow emulation: use --dtype bf16, fp32 or auto");
}

std::string Int8IsaName(const Int8Isa& isa) {
  if (isa.amx_int8) return "amx_int8";
  if (isa.avx512_vnni) return "avx512_vnni";
  if (isa.avx_vnni) return "avx_vnni";
  return "none";
}

std::string DtypeName(at::ScalarType dtype) {
  if (dtype == at::kQInt8) return "int8";
  return dtype == at::kBFloat16 ? "bf16" : "fp32";
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
  info.depth = inferred.vit.depth;
  info.num_prefix_tokens = inferred.vit.num_prefix_tokens();
  info.has_class_token = inferred.vit.class_token;
  info.preprocess = inferred.preprocess;
  info.device = "cpu";
  return info;
}

Status CheckBatch(int batch) {
  if (batch <= 0)
    return InvalidArgumentError("batch size must be positive, got " + std::to_string(batch));
  return Status::Ok();
}

Status CheckCapture(const AttentionCapture& capture, int batch) {
  if (capture.fusion.size() != static_cast<size_t>(batch)) {
    return InvalidArgumentError("attention capture has " + std::to_string(capture.fusion.size()) +
                                " fusion entries for a batch of " + std::to_string(batch));
  }
  for (const auto& fusion : capture.fusion) {
    if (fusion.has_value() && capture.attention == nullptr)
      return InvalidArgumentError("attention capture asks for attention but has no buffer");
  }
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
