// Process-level measurements for benchmarks: peak resident memory and the
// time since the process started (start-up cost).
#pragma once

namespace vit::tools {

/// Peak resident set size so far (VmHWM), MiB; 0 when unknown.
double PeakRssMiB();
/// Current resident set size (VmRSS), MiB; 0 when unknown.
double CurrentRssMiB();
/// Seconds since the kernel started this process (10 ms resolution).
double SecondsSinceProcessStart();

}  // namespace vit::tools
