// Runs the real vit-score binary and SIGKILLs it partway through, as a crash
// would: once its output file holds enough lines.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "tests/support/subprocess.h"

namespace vit::score::testing {

/// Runs `binary args...` and SIGKILLs it as soon as `watched_file` has at
/// least `lines` newline characters (or when it exits by itself first).
vit::testing::ProcessResult RunAndKillAfterLines(
    const std::string& binary, const std::vector<std::string>& args,
    const std::string& watched_file, size_t lines,
    std::chrono::seconds timeout = std::chrono::seconds(300));

}  // namespace vit::score::testing
