// What the two engines (model/reference_engine.h, model/fast/fast_engine.h)
// share: the description of the loaded model, dtype names, copying results.
#pragma once

#include <ATen/core/Tensor.h>

#include <string>

#include "common/model_info.h"
#include "common/status.h"
#include "model/config_inference.h"

namespace vit {

/// "auto" (bf16 where the CPU has AMX or AVX512-BF16, else fp32), "fp32" /
/// "float32" or "bf16" / "bfloat16" -> at::kFloat or at::kBFloat16.
StatusOr<at::ScalarType> ResolveDtype(const std::string& dtype);

/// The fields of ModelInfo that come from the checkpoint (id, path, format,
/// architecture, classes, labels, preprocessing); the engine adds dtype,
/// backend, threads and the parameter count.
ModelInfo DescribeCheckpoint(const InferredModel& inferred, const std::string& folder);

/// Checks a Run() batch size; INVALID_ARGUMENT unless positive.
Status CheckBatch(int batch);

/// Sets the calling thread's intra-op team size (what oneDNN and LibTorch use).
void UseThreads(int threads);

/// Copies `t` (any float dtype) as float32 to `dst`; nothing when `dst` is null.
void CopyFloats(const at::Tensor& t, float* dst);

}  // namespace vit
