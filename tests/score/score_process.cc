#include "tests/score/score_process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <thread>

#include "tests/score/temp_dir.h"

extern char** environ;

namespace vit::score::testing {
namespace {

size_t CountNewlines(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  return static_cast<size_t>(
      std::count(std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>(), '\n'));
}

// Spawns with stdout + stderr into `log` (a file, so no pipe can fill up).
pid_t Spawn(const std::string& binary, const std::vector<std::string>& args,
            const std::string& log) {
  std::vector<std::string> storage = {binary};
  storage.insert(storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& arg : storage) argv.push_back(arg.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  pid_t pid = -1;
  if (posix_spawn(&pid, binary.c_str(), &actions, nullptr, argv.data(), environ) != 0) pid = -1;
  posix_spawn_file_actions_destroy(&actions);
  return pid;
}

// Polls until the child exits or `should_kill()` says so / the timeout passes.
template <typename ShouldKill>
ProcessResult Supervise(pid_t pid, const std::string& log, std::chrono::seconds timeout,
                        ShouldKill should_kill) {
  ProcessResult result;
  if (pid < 0) {
    result.output = "spawn failed";
    return result;
  }
  const auto end = std::chrono::steady_clock::now() + timeout;
  int status = 0;
  while (true) {
    if (waitpid(pid, &status, WNOHANG) == pid) break;
    if (should_kill() || std::chrono::steady_clock::now() > end) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) result.signal = WTERMSIG(status);
  result.output = ReadFile(log);
  return result;
}

}  // namespace

ProcessResult RunProcess(const std::string& binary, const std::vector<std::string>& args,
                         std::chrono::seconds timeout) {
  TempDir logs;
  const std::string log = logs / "output.log";
  return Supervise(Spawn(binary, args, log), log, timeout, [] { return false; });
}

ProcessResult RunAndKillAfterLines(const std::string& binary, const std::vector<std::string>& args,
                                   const std::string& watched_file, size_t lines,
                                   std::chrono::seconds timeout) {
  TempDir logs;
  const std::string log = logs / "output.log";
  return Supervise(Spawn(binary, args, log), log, timeout,
                   [&] { return CountNewlines(watched_file) >= lines; });
}

}  // namespace vit::score::testing
