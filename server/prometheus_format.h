// Number formatting for the Prometheus text exposition format.
#pragma once

#include <string>

namespace vit::server {

/// The shortest decimal text that parses back to exactly `value`: "0.0005",
/// "1", "2.5", "0.30000000000000004"; "+Inf", "-Inf" and "NaN" for the
/// non-finite values (the exposition format's spellings). Plain notation for
/// decimal exponents -4 to 16 (where "%.17g" uses it), "1e-07" / "1e+17" style
/// outside.
std::string FormatPrometheusValue(double value);

}  // namespace vit::server
