// Runs the real vit-score binary: to completion, or SIGKILLed once its output
// file holds enough lines.
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace vit::score::testing {

struct ProcessResult {
  /// Exit code; -1 when killed by a signal or timed out.
  int exit_code = -1;
  /// The signal that ended it, 0 if none.
  int signal = 0;
  /// stdout and stderr together.
  std::string output;
};

/// Runs `binary args...` and waits (SIGKILL after `timeout`).
ProcessResult RunProcess(const std::string& binary, const std::vector<std::string>& args,
                         std::chrono::seconds timeout = std::chrono::seconds(300));

/// Runs `binary args...` and SIGKILLs it as soon as `watched_file` has at
/// least `lines` newline characters (or when it exits by itself first).
ProcessResult RunAndKillAfterLines(const std::string& binary, const std::vector<std::string>& args,
                                   const std::string& watched_file, size_t lines,
                                   std::chrono::seconds timeout = std::chrono::seconds(300));

}  // namespace vit::score::testing
