#include "server/health.h"

namespace vit::server {

HealthStatus::HealthStatus(grpc::HealthCheckServiceInterface* service) : service_(service) {}

void HealthStatus::SetServing() {
  std::lock_guard<std::mutex> lock(mu_);
  if (service_ != nullptr && !shutting_down_) service_->SetServingStatus(true);
}

void HealthStatus::SetNotServing() {
  std::lock_guard<std::mutex> lock(mu_);
  if (service_ != nullptr) service_->SetServingStatus(false);
}

void HealthStatus::SetShuttingDown() {
  std::lock_guard<std::mutex> lock(mu_);
  shutting_down_ = true;
  if (service_ != nullptr) service_->SetServingStatus(false);
}

}  // namespace vit::server
