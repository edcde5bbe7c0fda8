// What the two engines (model/reference_engine.h, model/fast/fast_engine.h)
// share: the description of the loaded model, dtype names, copying results.
#pragma once

#include <ATen/core/Tensor.h>

#include <string>

#include "common/attention_capture.h"
#include "common/model_info.h"
#include "common/status.h"
#include "model/config_inference.h"

namespace vit {

/// "auto" (bf16 where the CPU has AMX or AVX512-BF16, else fp32; never int8,
/// which trades accuracy and is the user's choice), "fp32" / "float32",
/// "bf16" / "bfloat16" or "int8" -> at::kFloat, at::kBFloat16 or at::kQInt8
/// (int8 linear layers, fast backend only). "int8" on a CPU without VNNI or
/// AMX-INT8 is FAILED_PRECONDITION (CheckInt8Support).
StatusOr<at::ScalarType> ResolveDtype(const std::string& dtype);

/// The int8 dot-product instructions a CPU has (model/cpu_features.h).
struct Int8Isa {
  bool amx_int8 = false;
  bool avx512_vnni = false;
  bool avx_vnni = false;
};
/// This machine's.
Int8Isa DetectInt8Isa();
/// OK when `isa` has any of the three; else FAILED_PRECONDITION saying what
/// int8 needs and which dtypes to use instead. The int8 engine is refused
/// rather than run on oneDNN's slow reference kernels.
Status CheckInt8Support(const Int8Isa& isa);
/// The best of them by name ("amx_int8", "avx512_vnni", "avx_vnni"), or "none".
std::string Int8IsaName(const Int8Isa& isa);

/// The fields of ModelInfo that come from the checkpoint (id, path, format,
/// architecture, classes, labels, preprocessing); the engine adds dtype,
/// backend, threads and the parameter count.
ModelInfo DescribeCheckpoint(const InferredModel& inferred, const std::string& folder);

/// Checks a Run() batch size; INVALID_ARGUMENT unless positive.
Status CheckBatch(int batch);

/// Checks an attention capture for `batch` images: INVALID_ARGUMENT unless
/// capture.fusion has `batch` entries and the buffer is set when any is.
Status CheckCapture(const AttentionCapture& capture, int batch);

/// Sets the calling thread's intra-op team size (what oneDNN and LibTorch use).
void UseThreads(int threads);

/// The ModelInfo::dtype name of a ResolveDtype() result: fp32, bf16 or int8.
std::string DtypeName(at::ScalarType dtype);

/// Copies `t` (any float dtype) as float32 to `dst`; nothing when `dst` is null.
void CopyFloats(const at::Tensor& t, float* dst);

}  // namespace vit
