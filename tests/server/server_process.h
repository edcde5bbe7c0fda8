// Runs the real vit-server binary for integration tests: spawns it on
// 127.0.0.1 with ephemeral ports, collects its output, signals and reaps it.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace vit::server::testing {

class ServerProcess {
 public:
  ServerProcess() = default;
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;
  ~ServerProcess();  // SIGKILLs a server still running

  /// Starts `binary` with `args` plus --host 127.0.0.1 --port 0
  /// --metrics-port 0 and waits (up to `timeout`) for its "listening" line.
  /// False (with the output so far in output()) when it does not come.
  bool Start(const std::string& binary, const std::vector<std::string>& args,
             std::chrono::seconds timeout = std::chrono::seconds(60));

  int port() const { return port_; }
  int metrics_port() const { return metrics_port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

  /// Waits until the output contains `text`; false after `timeout`.
  bool WaitForOutput(const std::string& text, std::chrono::milliseconds timeout);
  std::string output();

  void Signal(int signal_number);
  /// Waits for the process to exit; its exit code, or -1 (killed by a signal
  /// or still running after `timeout`).
  int Wait(std::chrono::seconds timeout = std::chrono::seconds(60));

 private:
  void ReadOutput(int fd);

  pid_t pid_ = -1;
  int port_ = 0;
  int metrics_port_ = 0;
  std::thread reader_;
  std::mutex mu_;  // guards output_
  std::condition_variable output_changed_;
  std::string output_;
};

/// GET http://127.0.0.1:`port``path`; "" on failure.
std::string HttpGet(int port, const std::string& path);
/// GET http://`host`:`port``path`; "" on failure.
std::string HttpGet(const std::string& host, int port, const std::string& path);

/// The value of a Prometheus sample line `name` (exact, labels included),
/// or -1 when absent.
double MetricValue(const std::string& metrics, const std::string& name);

}  // namespace vit::server::testing
