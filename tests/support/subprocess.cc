#include "tests/support/subprocess.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <map>

extern char** environ;

namespace vit::testing {
namespace {

// This process's environment with `overrides` ("NAME=value") applied.
std::vector<std::string> MergedEnvironment(const std::vector<std::string>& overrides) {
  std::map<std::string, std::string> by_name;
  auto add = [&](const std::string& entry) { by_name[entry.substr(0, entry.find('='))] = entry; };
  for (char** entry = environ; *entry != nullptr; ++entry) add(*entry);
  for (const std::string& entry : overrides) add(entry);
  std::vector<std::string> merged;
  for (const auto& [name, entry] : by_name) merged.push_back(entry);
  return merged;
}

std::vector<char*> Pointers(std::vector<std::string>& strings) {
  std::vector<char*> pointers;
  for (std::string& s : strings) pointers.push_back(s.data());
  pointers.push_back(nullptr);
  return pointers;
}

}  // namespace

Subprocess::~Subprocess() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    Wait(std::chrono::seconds(10));
  }
  JoinReaders();
}

bool Subprocess::Start(const std::string& binary, const std::vector<std::string>& args,
                       const SubprocessOptions& options) {
  if (pid_ > 0 || !readers_.empty()) return false;
  std::vector<std::string> argv_storage = {binary};
  argv_storage.insert(argv_storage.end(), args.begin(), args.end());
  std::vector<std::string> env_storage = MergedEnvironment(options.environment);
  std::vector<char*> argv = Pointers(argv_storage);
  std::vector<char*> envp = Pointers(env_storage);

  // O_CLOEXEC: children started concurrently by other threads must not
  // inherit these pipes, or the readers would not see end-of-file.
  int out_pipe[2], err_pipe[2] = {-1, -1};
  if (pipe2(out_pipe, O_CLOEXEC) != 0) return false;
  if (options.separate_stderr && pipe2(err_pipe, O_CLOEXEC) != 0) {
    close(out_pipe[0]);
    close(out_pipe[1]);
    return false;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, options.separate_stderr ? err_pipe[1] : out_pipe[1],
                                   STDERR_FILENO);
  const int rc = posix_spawnp(&pid_, binary.c_str(), &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  close(out_pipe[1]);
  if (options.separate_stderr) close(err_pipe[1]);
  if (rc != 0) {
    pid_ = -1;
    close(out_pipe[0]);
    if (options.separate_stderr) close(err_pipe[0]);
    return false;
  }
  term_signal_ = 0;
  child_reaped_ = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    output_.clear();
    errors_.clear();
  }
  readers_.emplace_back([this, fd = out_pipe[0]] { ReadInto(fd, &output_); });
  if (options.separate_stderr)
    readers_.emplace_back([this, fd = err_pipe[0]] { ReadInto(fd, &errors_); });
  return true;
}

void Subprocess::ReadInto(int fd, std::string* text) {
  char buffer[4096];
  while (true) {
    pollfd ready = {fd, POLLIN, 0};
    const int polled = poll(&ready, 1, /*timeout_ms=*/20);
    if (polled < 0 && errno == EINTR) continue;
    // Once the child is reaped, stop when nothing is left to read: a
    // grandchild may hold the pipe open long after.
    if (polled == 0) {
      if (child_reaped_) break;
      continue;
    }
    const ssize_t n = read(fd, buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    std::lock_guard<std::mutex> lock(mu_);
    text->append(buffer, static_cast<size_t>(n));
    output_changed_.notify_all();
  }
  close(fd);
}

void Subprocess::JoinReaders() {
  for (std::thread& reader : readers_) reader.join();
  readers_.clear();
}

bool Subprocess::WaitForOutput(const std::function<bool(const std::string& output)>& done,
                               std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  return output_changed_.wait_for(lock, timeout, [&] { return done(output_); });
}

bool Subprocess::WaitForOutput(const std::string& text, std::chrono::milliseconds timeout) {
  return WaitForOutput(
      [&](const std::string& output) { return output.find(text) != std::string::npos; }, timeout);
}

std::string Subprocess::output() {
  std::lock_guard<std::mutex> lock(mu_);
  return output_;
}

std::string Subprocess::errors() {
  std::lock_guard<std::mutex> lock(mu_);
  return errors_;
}

void Subprocess::Signal(int signal_number) {
  if (pid_ > 0) kill(pid_, signal_number);
}

int Subprocess::Wait(std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return -1;
  const auto end = std::chrono::steady_clock::now() + timeout;
  while (true) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      child_reaped_ = true;
      JoinReaders();  // after they have read what the child wrote
      if (WIFSIGNALED(status)) term_signal_ = WTERMSIG(status);
      return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }
    if (std::chrono::steady_clock::now() >= end) return -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

ProcessResult RunProcess(const std::string& binary, const std::vector<std::string>& args,
                         const RunOptions& options) {
  ProcessResult result;
  Subprocess process;
  if (!process.Start(binary, args, options.start)) {
    result.output = "cannot start " + binary;
    return result;
  }
  const auto end = std::chrono::steady_clock::now() + options.timeout;
  while (process.running()) {
    result.exit_code = process.Wait(std::chrono::milliseconds(2));
    if (!process.running()) break;
    if ((options.kill_when && options.kill_when()) || std::chrono::steady_clock::now() >= end) {
      process.Signal(SIGKILL);
      result.exit_code = process.Wait(std::chrono::seconds(60));
    }
  }
  result.signal = process.term_signal();
  result.output = process.output();
  result.errors = process.errors();
  return result;
}

}  // namespace vit::testing
