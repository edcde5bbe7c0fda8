// oneDNN's own matmul throughput on this machine: the ceiling a model's
// configuration is measured against (vit-bench prints each one's share).
#pragma once

#include <cstdint>
#include <string>

#include "common/status.h"

namespace vit::tools {

struct CeilingOptions {
  /// Square problem size n (an n x n x n matmul, 2 n^3 FLOP). Default 2048:
  /// large enough that packing and threading overheads vanish.
  int64_t size = 2048;
  /// Keep timing until this many seconds passed (at least 3 runs).
  double min_seconds = 1.0;
};

/// GFLOP/s of the best run of oneDNN's matmul for `dtype`: "fp32" (f32 x f32
/// -> f32), "bf16" (bf16 x bf16 -> bf16) or "int8" (u8 x s8 -> s32, the
/// VNNI / AMX instruction's native form), weights prepacked in the kernel's
/// layout, on the calling thread's intra-op team (set it first, as the
/// engine does). INVALID_ARGUMENT for another dtype.
StatusOr<double> MatmulCeilingGflops(const std::string& dtype, const CeilingOptions& options);

}  // namespace vit::tools
