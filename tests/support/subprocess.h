// The real binaries under test, started as child processes: Subprocess to
// talk to one while it runs (a server), RunProcess to run one to the end (a
// command-line tool). Output is drained by reader threads, so a chatty child
// never blocks on a full pipe.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace vit::testing {

struct SubprocessOptions {
  /// "NAME=value" entries that replace or extend this process's environment.
  std::vector<std::string> environment;
  /// Keep stderr out of output() (in errors() instead), for stdout that is
  /// parsed (JSON); by default both go to output(), interleaved.
  bool separate_stderr = false;
};

class Subprocess {
 public:
  Subprocess() = default;
  Subprocess(const Subprocess&) = delete;
  Subprocess& operator=(const Subprocess&) = delete;
  ~Subprocess();  // SIGKILLs a process still running

  /// Starts `binary` (a path, or a name looked up in PATH) with `args`. False
  /// when it cannot be started, or while the last one started still runs.
  bool Start(const std::string& binary, const std::vector<std::string>& args,
             const SubprocessOptions& options = {});

  /// Waits until `done(output())` holds; false after `timeout`.
  bool WaitForOutput(const std::function<bool(const std::string& output)>& done,
                     std::chrono::milliseconds timeout);
  /// Waits until output() contains `text`; false after `timeout`.
  bool WaitForOutput(const std::string& text, std::chrono::milliseconds timeout);
  /// What it printed so far: stdout, and stderr unless separate_stderr.
  std::string output();
  /// stderr when separate_stderr, else "".
  std::string errors();

  void Signal(int signal_number);
  /// Waits up to `timeout` for the process to end, then for its output. Its
  /// exit code, or -1 when it was killed by a signal or is still running.
  int Wait(std::chrono::milliseconds timeout = std::chrono::seconds(60));
  bool running() const { return pid_ > 0; }
  /// The signal that ended it; 0 while running or after a normal exit.
  int term_signal() const { return term_signal_; }

 private:
  void ReadInto(int fd, std::string* text);
  void JoinReaders();

  pid_t pid_ = -1;
  int term_signal_ = 0;
  std::atomic<bool> child_reaped_{false};  // tells the readers to stop at the pipes' end
  std::vector<std::thread> readers_;
  std::mutex mu_;  // guards output_ and errors_
  std::condition_variable output_changed_;
  std::string output_;
  std::string errors_;
};

struct RunOptions {
  SubprocessOptions start;
  /// SIGKILL after this long (the result then has exit_code -1, signal 9).
  std::chrono::seconds timeout{300};
  /// Polled every 2 ms while it runs; SIGKILL as soon as it returns true.
  std::function<bool()> kill_when;
};

struct ProcessResult {
  /// Exit code; -1 when killed by a signal, timed out or not started.
  int exit_code = -1;
  /// The signal that ended it, 0 if none.
  int signal = 0;
  /// stdout (and stderr, unless start.separate_stderr).
  std::string output;
  /// stderr when start.separate_stderr.
  std::string errors;
};

/// Runs `binary args...` to its end (or until killed, see RunOptions).
ProcessResult RunProcess(const std::string& binary, const std::vector<std::string>& args,
                         const RunOptions& options = {});

}  // namespace vit::testing
