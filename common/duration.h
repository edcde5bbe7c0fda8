// Human-readable durations for progress lines and summaries.
#pragma once

#include <string>

namespace vit {

/// "H:MM:SS", rounded to the second (3723 -> "1:02:03"); "?" when `seconds`
/// is negative or not finite (an ETA that cannot be estimated yet).
std::string FormatDuration(double seconds);

}  // namespace vit
