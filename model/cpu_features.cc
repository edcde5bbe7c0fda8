#include "model/cpu_features.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

namespace vit {

#if defined(__x86_64__) || defined(__i386__)
bool CpuHasAmxBf16() {
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx)) return false;
  return (edx >> 22) & 1u;  // CPUID.(7,0):EDX[22] = AMX-BF16
}

bool CpuHasAvx512Bf16() {
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (!__get_cpuid_count(7, 1, &eax, &ebx, &ecx, &edx)) return false;
  return (eax >> 5) & 1u;  // CPUID.(7,1):EAX[5] = AVX512_BF16
}

bool CpuHasAmxInt8() {
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx)) return false;
  return (edx >> 25) & 1u;  // CPUID.(7,0):EDX[25] = AMX-INT8
}

bool CpuHasAvx512Vnni() {
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx)) return false;
  return (ecx >> 11) & 1u;  // CPUID.(7,0):ECX[11] = AVX512_VNNI
}

bool CpuHasAvxVnni() {
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (!__get_cpuid_count(7, 1, &eax, &ebx, &ecx, &edx)) return false;
  return (eax >> 4) & 1u;  // CPUID.(7,1):EAX[4] = AVX-VNNI
}
#else
bool CpuHasAmxBf16() { return false; }
bool CpuHasAvx512Bf16() { return false; }
bool CpuHasAmxInt8() { return false; }
bool CpuHasAvx512Vnni() { return false; }
bool CpuHasAvxVnni() { return false; }
#endif

}  // namespace vit
