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
#else
bool CpuHasAmxBf16() { return false; }
bool CpuHasAvx512Bf16() { return false; }
#endif

}  // namespace vit
