// The standard grpc.health.v1.Health status of the server (gRPC's built-in
// service): NOT_SERVING until the model is loaded and warmed up, SERVING
// while it serves, NOT_SERVING again once shutdown begins.
#pragma once

#include <grpcpp/health_check_service_interface.h>

#include <mutex>

namespace vit::server {

class HealthStatus {
 public:
  /// `service` may be null (health checking disabled): calls are then no-ops.
  explicit HealthStatus(grpc::HealthCheckServiceInterface* service);

  void SetServing();
  /// Sticky: after this, SetServing() does nothing.
  void SetShuttingDown();
  void SetNotServing();

 private:
  grpc::HealthCheckServiceInterface* const service_;
  std::mutex mu_;  // guards shutting_down_ and orders updates to service_
  bool shutting_down_ = false;
};

}  // namespace vit::server
