// Reader and writer for the safetensors format
// (8-byte little-endian header length, JSON header, raw little-endian data).
#pragma once

#include <string>

#include "common/status.h"
#include "model/tensor_map.h"

namespace vit {

/// Reads every tensor of a .safetensors file into float32 CPU tensors
/// (F16 and BF16 are widened). Validates the header (JSON, dtypes F32/F16/BF16/U8,
/// shapes, offsets in range and non-overlapping, the file size) and returns
/// errors naming the file and the problem.
StatusOr<TensorMap> ReadSafetensors(const std::string& path);

/// Like ReadSafetensors but keeps each tensor's stored dtype (float32, float16,
/// bfloat16, uint8).
StatusOr<TensorMap> ReadSafetensorsRaw(const std::string& path);

/// Reads only the header: tensors on the meta device with the file's shapes
/// and dtypes, no data. Lets a loader infer the architecture and build the
/// model before the weights arrive, so two copies never coexist.
StatusOr<TensorMap> ReadSafetensorsMeta(const std::string& path);

/// Writes tensors (float32, bfloat16, float16 or uint8; made contiguous) to `path`.
Status WriteSafetensors(const std::string& path, const TensorMap& tensors);

}  // namespace vit
