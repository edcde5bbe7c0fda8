#include "server/metrics_http_server.h"

#include <httplib.h>

namespace vit::server {

MetricsHttpServer::MetricsHttpServer(const Metrics* metrics)
    : metrics_(metrics), http_(std::make_unique<httplib::Server>()) {
  http_->Get("/metrics", [this](const httplib::Request&, httplib::Response& response) {
    response.set_content(metrics_->RenderPrometheus(), "text/plain; version=0.0.4");
  });
}

MetricsHttpServer::~MetricsHttpServer() { Stop(); }

StatusOr<int> MetricsHttpServer::Start(const std::string& host, int port) {
  const int bound = port == 0 ? http_->bind_to_any_port(host.c_str())
                              : (http_->bind_to_port(host.c_str(), port) ? port : -1);
  if (bound < 0) {
    return UnavailableError("cannot bind the metrics port " + host + ":" + std::to_string(port));
  }
  thread_ = std::thread([this] { http_->listen_after_bind(); });
  return bound;
}

void MetricsHttpServer::Stop() {
  http_->stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace vit::server
