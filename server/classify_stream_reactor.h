// The server side of one ClassifyStream call: reads requests, submits each to
// the pipeline, and writes responses in completion order, one write at a
// time. Reading pauses while max_stream_in_flight requests are pending.
#pragma once

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <deque>
#include <memory>
#include <mutex>
#include <string>

#include "common/status.h"
#include "vit/v1/vit.grpc.pb.h"

namespace vit::server {

class VitServiceImpl;

class ClassifyStreamReactor final
    : public grpc::ServerBidiReactor<v1::ClassifyRequest, v1::ClassifyStreamResponse> {
 public:
  /// Starts reading at once; deletes itself when gRPC is done with the call.
  ClassifyStreamReactor(VitServiceImpl* service, grpc::CallbackServerContext* context);

  void OnReadDone(bool ok) override;
  void OnWriteDone(bool ok) override;
  /// The client cancelled (or the deadline passed): requests still queued
  /// for the stream are dropped, not computed (InferenceRequest::cancelled).
  void OnCancel() override;
  void OnDone() override;

 private:
  void OnResult(std::unique_ptr<v1::ClassifyStreamResponse> response, const Status& status);
  // Starts whatever read, write or Finish the state allows. gRPC calls are
  // made outside mu_, since a reaction may run inline on this thread.
  void Advance();

  VitServiceImpl* const service_;
  grpc::CallbackServerContext* const context_;
  const std::string peer_;
  const int max_in_flight_;
  int64_t deadline_micros_ = 0;
  v1::ClassifyRequest request_;  // target of the one outstanding read
  // Every request of the stream carries it; set by OnCancel().
  const std::shared_ptr<std::atomic<bool>> cancelled_ = std::make_shared<std::atomic<bool>>(false);

  std::mutex mu_;  // guards every member below
  std::deque<std::unique_ptr<v1::ClassifyStreamResponse>> to_write_;
  std::unique_ptr<v1::ClassifyStreamResponse> writing_;  // the outstanding write's message
  int in_flight_ = 0;  // submitted, response not yet queued for writing
  bool reading_ = false;
  bool reads_done_ = false;
  bool write_failed_ = false;
  bool finished_ = false;
};

}  // namespace vit::server
