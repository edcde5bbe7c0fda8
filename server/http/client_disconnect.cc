#include "server/http/client_disconnect.h"

#include <utility>

namespace vit::server::http {

void ClientDisconnect::OnDisconnect(std::function<void()> callback) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!flag_->load(std::memory_order_acquire)) {
      callback_ = std::move(callback);
      return;
    }
  }
  if (callback) callback();
}

void ClientDisconnect::Signal() {
  std::function<void()> callback;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (flag_->exchange(true, std::memory_order_acq_rel)) return;
    callback = std::move(callback_);
  }
  if (callback) callback();
}

}  // namespace vit::server::http
