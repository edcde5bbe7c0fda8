#include "server/classify_stream_reactor.h"

#include <utility>

#include "rpc/status_mapping.h"
#include "server/request_conversion.h"
#include "server/vit_service.h"

namespace vit::server {

ClassifyStreamReactor::ClassifyStreamReactor(VitServiceImpl* service,
                                             grpc::CallbackServerContext* context)
    : service_(service),
      context_(context),
      peer_(context->peer()),
      max_in_flight_(std::max(1, service->options().max_stream_in_flight)) {
  if (std::shared_ptr<InferencePipeline> pipeline = service_->pipeline())
    deadline_micros_ = DeadlineMicros(*context_, pipeline->clock());
  Advance();
}

void ClassifyStreamReactor::OnReadDone(bool ok) {
  if (!ok) {  // the client half-closed, or the call is gone
    {
      std::lock_guard<std::mutex> lock(mu_);
      reading_ = false;
      reads_done_ = true;
    }
    Advance();
    return;
  }
  auto response = std::make_unique<v1::ClassifyStreamResponse>();
  response->set_request_id(request_.request_id());
  std::string image = std::move(*request_.mutable_image());
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++in_flight_;
  }
  // An empty image stays empty here, and StartClassify rejects it.
  v1::ClassifyResponse* result = response->mutable_result();
  v1::ClassifyStreamResponse* raw = response.release();
  VitServiceImpl::CallSource source;
  source.method = "ClassifyStream";
  source.peer = peer_;
  source.deadline_micros = deadline_micros_;
  source.cancelled = cancelled_;
  service_->StartClassify(std::move(source), request_, std::move(image), result,
                          [this, raw](const Status& status) {
                            OnResult(std::unique_ptr<v1::ClassifyStreamResponse>(raw), status);
                          });
  // Only now may request_ be the target of the next read.
  {
    std::lock_guard<std::mutex> lock(mu_);
    reading_ = false;
  }
  Advance();
}

void ClassifyStreamReactor::OnResult(std::unique_ptr<v1::ClassifyStreamResponse> response,
                                     const Status& status) {
  response->set_code(static_cast<int>(rpc::ToGrpcCode(status.code())));
  if (!status.ok()) {
    response->set_message(status.message());
    response->clear_result();
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    --in_flight_;
    to_write_.push_back(std::move(response));
  }
  Advance();
}

void ClassifyStreamReactor::OnWriteDone(bool ok) {
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

void ClassifyStreamReactor::Advance() {
  bool start_read = false;
  const v1::ClassifyStreamResponse* start_write = nullptr;
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
  if (start_read) StartRead(&request_);
  if (start_write != nullptr) StartWrite(start_write);
  if (finish) {
    Finish(failed ? grpc::Status(grpc::StatusCode::CANCELLED, "the client stopped reading")
                  : grpc::Status::OK);
  }
}

void ClassifyStreamReactor::OnCancel() {
  cancelled_->store(true, std::memory_order_release);
  service_->serving()->WakeForCancellation();
}

void ClassifyStreamReactor::OnDone() {
  // Let a thread still leaving Advance() release mu_ before it is destroyed.
  { std::lock_guard<std::mutex> lock(mu_); }
  service_->OnStreamClosed();
  delete this;
}

}  // namespace vit::server
