// Run-time CPU feature detection for choosing the inference dtype.
#pragma once

namespace vit {

/// AMX tiles with bf16 (Sapphire Rapids and later).
bool CpuHasAmxBf16();
/// AVX512-BF16 dot products (Cooper Lake, Zen 4, Sapphire Rapids).
bool CpuHasAvx512Bf16();
/// Either of the above: bf16 matmuls run natively.
inline bool CpuHasFastBf16() { return CpuHasAmxBf16() || CpuHasAvx512Bf16(); }

}  // namespace vit
