#include "server/oip/grpc_stream_infer_reactor.h"

#include <algorithm>
#include <utility>

#include "server/oip/grpc_inference_service.h"
#include "server/request_conversion.h"

namespace vit::server::oip {

GrpcStreamInferReactor::GrpcStreamInferReactor(GrpcInferenceServiceImpl* service,
                                               grpc::CallbackServerContext* context)
    : service_(service),
      peer_(context->peer()),
      max_in_flight_(std::max(1, service->serving()->options().max_stream_in_flight)),
      request_(std::make_unique<inference::ModelInferRequest>()) {
  if (std::shared_ptr<InferencePipeline> pipeline = service_->serving()->pipeline())
    deadline_micros_ = DeadlineMicros(*context, pipeline->clock());
  Advance();
}

void GrpcStreamInferReactor::OnReadDone(bool ok) {
  if (!ok) {  // the client half-closed, or the call is gone
    {
      std::lock_guard<std::mutex> lock(mu_);
      reading_ = false;
      reads_done_ = true;
    }
    Advance();
    return;
  }
  std::shared_ptr<const inference::ModelInferRequest> request = std::move(request_);
  request_ = std::make_unique<inference::ModelInferRequest>();
  auto answer = std::make_unique<inference::ModelStreamInferResponse>();
  inference::ModelInferResponse* response = answer->mutable_infer_response();
  response->set_id(request->id());  // kept on errors, so that the client can match them
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++in_flight_;
  }
  inference::ModelStreamInferResponse* raw = answer.release();
  // `request` rides along in the callback: the run reads views into it.
  service_->StartInfer(
      "ModelStreamInfer", peer_, deadline_micros_, *request, response,
      [this, raw, request](const Status& status) {
        OnResult(std::unique_ptr<inference::ModelStreamInferResponse>(raw), status);
      },
      cancelled_);
  // Only now may request_ be the target of the next read.
  {
    std::lock_guard<std::mutex> lock(mu_);
    reading_ = false;
  }
  Advance();
}

void GrpcStreamInferReactor::OnResult(std::unique_ptr<inference::ModelStreamInferResponse> answer,
                                      const Status& status) {
  if (!status.ok()) {
    // Triton's convention: the error in error_message, the response holding
    // only the request's id so that the client can match it.
    const std::string id = answer->infer_response().id();
    answer->mutable_infer_response()->Clear();
    answer->mutable_infer_response()->set_id(id);
    answer->set_error_message(status.message().empty() ? status.ToString() : status.message());
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    --in_flight_;
    to_write_.push_back(std::move(answer));
  }
  Advance();
}

void GrpcStreamInferReactor::OnWriteDone(bool ok) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    writing_.reset();
    if (!ok) {  // the client went away: drop what is left to write
      write_failed_ = true;
      to_write_.clear();
    }
  }
  Advance();
}

void GrpcStreamInferReactor::Advance() {
  bool start_read = false;
  const inference::ModelStreamInferResponse* start_write = nullptr;
  bool finish = false;
  bool failed = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (finished_) return;
    if (!reads_done_ && !reading_ && in_flight_ < max_in_flight_) {
      reading_ = true;
      start_read = true;
    }
    if (write_failed_) to_write_.clear();
    if (writing_ == nullptr && !to_write_.empty()) {
      writing_ = std::move(to_write_.front());
      to_write_.pop_front();
      start_write = writing_.get();
    }
    if (reads_done_ && in_flight_ == 0 && writing_ == nullptr && to_write_.empty()) {
      finished_ = true;
      finish = true;
      failed = write_failed_;
    }
  }
  if (start_read) StartRead(request_.get());
  if (start_write != nullptr) StartWrite(start_write);
  if (finish) {
    Finish(failed ? grpc::Status(grpc::StatusCode::CANCELLED, "the client stopped reading")
                  : grpc::Status::OK);
  }
}

void GrpcStreamInferReactor::OnCancel() {
  cancelled_->store(true, std::memory_order_release);
  service_->serving()->WakeForCancellation();
}

void GrpcStreamInferReactor::OnDone() {
  // Let a thread still leaving Advance() release mu_ before it is destroyed.
  { std::lock_guard<std::mutex> lock(mu_); }
  service_->OnStreamClosed();
  delete this;
}

}  // namespace vit::server::oip
