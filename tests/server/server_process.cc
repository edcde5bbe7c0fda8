#include "tests/server/server_process.h"

#include <httplib.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <regex>
#include <sstream>

extern char** environ;

namespace vit::server::testing {

ServerProcess::~ServerProcess() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    Wait(std::chrono::seconds(10));
  }
  if (reader_.joinable()) reader_.join();
}

bool ServerProcess::Start(const std::string& binary, const std::vector<std::string>& args,
                          std::chrono::seconds timeout) {
  std::vector<std::string> argv_storage = {binary, "--host",         "127.0.0.1", "--port",
                                           "0",    "--metrics-port", "0"};
  argv_storage.insert(argv_storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& arg : argv_storage) argv.push_back(arg.data());
  argv.push_back(nullptr);

  int pipe_fds[2];
  if (pipe(pipe_fds) != 0) return false;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDERR_FILENO);
  posix_spawn_file_actions_addclose(&actions, pipe_fds[0]);
  const int rc = posix_spawn(&pid_, binary.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(pipe_fds[1]);
  if (rc != 0) {
    pid_ = -1;
    close(pipe_fds[0]);
    return false;
  }
  reader_ = std::thread([this, fd = pipe_fds[0]] { ReadOutput(fd); });

  const std::regex listening(R"(vit-server listening on [^ ]+:(\d+), metrics port (-?\d+))");
  std::unique_lock<std::mutex> lock(mu_);
  std::smatch match;
  const bool found = output_changed_.wait_for(
      lock, timeout, [&] { return std::regex_search(output_, match, listening); });
  if (!found) return false;
  port_ = std::stoi(match[1]);
  metrics_port_ = std::stoi(match[2]);
  return true;
}

void ServerProcess::ReadOutput(int fd) {
  char buffer[4096];
  while (true) {
    const ssize_t n = read(fd, buffer, sizeof(buffer));
    if (n <= 0) break;
    std::lock_guard<std::mutex> lock(mu_);
    output_.append(buffer, static_cast<size_t>(n));
    output_changed_.notify_all();
  }
  close(fd);
}

bool ServerProcess::WaitForOutput(const std::string& text, std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  return output_changed_.wait_for(lock, timeout,
                                  [&] { return output_.find(text) != std::string::npos; });
}

std::string ServerProcess::output() {
  std::lock_guard<std::mutex> lock(mu_);
  return output_;
}

void ServerProcess::Signal(int signal_number) {
  if (pid_ > 0) kill(pid_, signal_number);
}

int ServerProcess::Wait(std::chrono::seconds timeout) {
  if (pid_ <= 0) return -1;
  const auto end = std::chrono::steady_clock::now() + timeout;
  while (true) {
    int status = 0;
    const pid_t done = waitpid(pid_, &status, WNOHANG);
    if (done == pid_) {
      pid_ = -1;
      return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }
    if (std::chrono::steady_clock::now() >= end) return -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

std::string HttpGet(int port, const std::string& path) { return HttpGet("127.0.0.1", port, path); }

std::string HttpGet(const std::string& host, int port, const std::string& path) {
  httplib::Client client(host, port);
  client.set_connection_timeout(2);
  auto response = client.Get(path.c_str());
  return response && response->status == 200 ? response->body : std::string();
}

double MetricValue(const std::string& metrics, const std::string& name) {
  std::istringstream lines(metrics);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.compare(0, name.size() + 1, name + " ") == 0)
      return std::stod(line.substr(name.size() + 1));
  }
  return -1;
}

}  // namespace vit::server::testing
