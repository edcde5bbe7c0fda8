// Serves Metrics::RenderPrometheus() at GET /metrics over plain HTTP
// (cpp-httplib) on its own thread.
#pragma once

#include <memory>
#include <string>
#include <thread>

#include "common/status.h"
#include "server/metrics.h"

namespace httplib {
class Server;
}

namespace vit::server {

class MetricsHttpServer {
 public:
  explicit MetricsHttpServer(const Metrics* metrics);
  ~MetricsHttpServer();  // Stop()
  MetricsHttpServer(const MetricsHttpServer&) = delete;
  MetricsHttpServer& operator=(const MetricsHttpServer&) = delete;

  /// Binds `host`:`port` (0 = any free port) and starts serving; returns the
  /// bound port.
  StatusOr<int> Start(const std::string& host, int port);
  void Stop();

 private:
  const Metrics* const metrics_;
  std::unique_ptr<httplib::Server> http_;
  std::thread thread_;
};

}  // namespace vit::server
