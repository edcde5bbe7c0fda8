// A unary gRPC reactor that turns the client's cancellation (or its deadline
// passing) into the flag InferenceRequest::cancelled, so that work still
// queued for the call is dropped instead of computed.
#pragma once

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <functional>
#include <memory>
#include <utility>

namespace vit::server {

class CancellableUnaryReactor final : public grpc::ServerUnaryReactor {
 public:
  /// `wake` runs on cancellation, after the flag is set (it lets the
  /// executor drop the queued work at once); it must stay callable until
  /// the call is done.
  explicit CancellableUnaryReactor(std::function<void()> wake) : wake_(std::move(wake)) {}
  /// The flag to put into the call's InferenceRequest(s).
  std::shared_ptr<const std::atomic<bool>> cancelled() const { return cancelled_; }

  void OnCancel() override {
    cancelled_->store(true, std::memory_order_release);
    if (wake_) wake_();
  }
  void OnDone() override { delete this; }

 private:
  const std::function<void()> wake_;
  const std::shared_ptr<std::atomic<bool>> cancelled_ = std::make_shared<std::atomic<bool>>(false);
};

}  // namespace vit::server
