// The real vit-server binary for integration tests: started on 127.0.0.1
// with ephemeral ports, which it reports in its "listening" line.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "tests/support/subprocess.h"

namespace vit::server::testing {

class ServerProcess {
 public:
  /// Starts `binary` with `args` plus --host 127.0.0.1 --port 0
  /// --metrics-port 0 --http-port 0 (later flags win) and waits (up to `timeout`) for its
  /// "listening" line. False (with the output so far in output()) when it does not come.
  bool Start(const std::string& binary, const std::vector<std::string>& args,
             std::chrono::seconds timeout = std::chrono::seconds(60));

  /// Start(), then waits (up to `timeout`) until the model is loaded and
  /// health is SERVING: the start-up summary's "serving on" line. The one
  /// place tests depend on that line's wording.
  bool StartServing(const std::string& binary, const std::vector<std::string>& args,
                    std::chrono::seconds timeout = std::chrono::seconds(120)) {
    return Start(binary, args) && WaitForOutput("serving on ", timeout);
  }

  int port() const { return port_; }
  int metrics_port() const { return metrics_port_; }
  /// The HTTP/REST API's port; -1 when off.
  int http_port() const { return http_port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

  /// Waits until the output contains `text`; false after `timeout`.
  bool WaitForOutput(const std::string& text, std::chrono::milliseconds timeout) {
    return process_.WaitForOutput(text, timeout);
  }
  std::string output() { return process_.output(); }
  void Signal(int signal_number) { process_.Signal(signal_number); }
  /// Waits for the process to exit; its exit code, or -1 (killed by a signal
  /// or still running after `timeout`).
  int Wait(std::chrono::seconds timeout = std::chrono::seconds(60)) {
    return process_.Wait(timeout);
  }

 private:
  vit::testing::Subprocess process_;  // SIGKILLed when destroyed while running
  int port_ = 0;
  int metrics_port_ = 0;
  int http_port_ = -1;
};

/// GET http://127.0.0.1:`port``path`; "" on failure.
std::string HttpGet(int port, const std::string& path);
/// GET http://`host`:`port``path`; "" on failure.
std::string HttpGet(const std::string& host, int port, const std::string& path);

/// The value of the Prometheus sample `name` ("vit_batches_total",
/// "vit_requests_total{protocol=\"vit\",method=\"Classify\",code=\"OK\"}"),
/// summed over the labels it does not name (e.g. model="..."); -1 when no
/// sample matches.
double MetricValue(const std::string& metrics, const std::string& name);

}  // namespace vit::server::testing
