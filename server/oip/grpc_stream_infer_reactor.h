// The server side of one ModelStreamInfer call (Triton's streaming
// extension): reads requests, runs each through the service's StartInfer,
// and writes answers in completion order, one write at a time. A failed
// request is answered on the stream with its error in error_message; the
// stream itself goes on. Reading pauses while max_stream_in_flight requests
// are pending (flow control, as for vit.v1's ClassifyStream).
#pragma once

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <deque>
#include <memory>
#include <mutex>
#include <string>

#include "common/status.h"
#include "inference/grpc_service.grpc.pb.h"

namespace vit::server::oip {

class GrpcInferenceServiceImpl;

class GrpcStreamInferReactor final
    : public grpc::ServerBidiReactor<inference::ModelInferRequest,
                                     inference::ModelStreamInferResponse> {
 public:
  /// Starts reading at once; deletes itself when gRPC is done with the call.
  GrpcStreamInferReactor(GrpcInferenceServiceImpl* service, grpc::CallbackServerContext* context);

  void OnReadDone(bool ok) override;
  void OnWriteDone(bool ok) override;
  /// The client cancelled (or the deadline passed): requests still queued
  /// for the stream are dropped, not computed (InferenceRequest::cancelled).
  void OnCancel() override;
  void OnDone() override;

 private:
  void OnResult(std::unique_ptr<inference::ModelStreamInferResponse> answer, const Status& status);
  // Starts whatever read, write or Finish the state allows. gRPC calls are
  // made outside mu_, since a reaction may run inline on this thread.
  void Advance();

  GrpcInferenceServiceImpl* const service_;
  const std::string peer_;
  const int max_in_flight_;
  int64_t deadline_micros_ = 0;
  // Target of the one outstanding read. Each request read is moved out to
  // live as long as its run (its tensors are views into it).
  std::unique_ptr<inference::ModelInferRequest> request_;
  // Every request of the stream carries it; set by OnCancel().
  const std::shared_ptr<std::atomic<bool>> cancelled_ = std::make_shared<std::atomic<bool>>(false);

  std::mutex mu_;  // guards every member below
  std::deque<std::unique_ptr<inference::ModelStreamInferResponse>> to_write_;
  std::unique_ptr<inference::ModelStreamInferResponse> writing_;  // the outstanding write's
  int in_flight_ = 0;  // submitted, answer not yet queued for writing
  bool reading_ = false;
  bool reads_done_ = false;
  bool write_failed_ = false;
  bool finished_ = false;
};

}  // namespace vit::server::oip
