// Run-time CPU feature detection for choosing (and checking) the inference dtype.
#pragma once

namespace vit {

/// AMX tiles with bf16 (Sapphire Rapids and later).
bool CpuHasAmxBf16();
/// AVX512-BF16 dot products (Cooper Lake, Zen 4, Sapphire Rapids).
bool CpuHasAvx512Bf16();
/// Either of the above: bf16 matmuls run natively.
inline bool CpuHasFastBf16() { return CpuHasAmxBf16() || CpuHasAvx512Bf16(); }

/// AMX tiles with int8 (Sapphire Rapids and later).
bool CpuHasAmxInt8();
/// AVX512-VNNI u8 x s8 dot products (Cascade Lake, Ice Lake, Zen 4).
bool CpuHasAvx512Vnni();
/// AVX-VNNI, the VEX-encoded form (Alder Lake, Sapphire Rapids).
bool CpuHasAvxVnni();
/// Any of the three: int8 matmuls run natively (the fast engine's int8
/// precision requires it; without it oneDNN would emulate them slowly).
inline bool CpuHasFastInt8() { return CpuHasAmxInt8() || CpuHasAvx512Vnni() || CpuHasAvxVnni(); }

}  // namespace vit
