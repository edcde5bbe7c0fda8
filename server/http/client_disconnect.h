// The HTTP transport's word that a client went away while its request waited
// for the reply (the connection saw end of stream or a reset): the request's
// cancellation flag (InferenceRequest::cancelled) and one callback that lets
// the front door wake the executor.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>

namespace vit::server::http {

class ClientDisconnect {
 public:
  /// True once the client went away.
  std::shared_ptr<const std::atomic<bool>> flag() const { return flag_; }
  /// Runs `callback` once when the client goes away: later from the
  /// transport's thread, or at once when it already has. A second call
  /// replaces a callback not run yet.
  void OnDisconnect(std::function<void()> callback);
  /// The transport: sets the flag and runs the callback (once).
  void Signal();

 private:
  const std::shared_ptr<std::atomic<bool>> flag_ = std::make_shared<std::atomic<bool>>(false);
  std::mutex mu_;  // guards callback_
  std::function<void()> callback_;
};

}  // namespace vit::server::http
