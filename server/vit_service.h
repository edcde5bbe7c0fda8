// The vit.v1.VitService implementation on gRPC's callback API. RPC handlers
// only validate and hand requests to the InferencePipeline; they never block.
#pragma once

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <cstddef>
#include <functional>
#include <string>

#include "common/status.h"
#include "server/bearer_token_auth.h"
#include "server/inference_pipeline.h"
#include "server/metrics.h"
#include "vit/v1/vit.grpc.pb.h"

namespace vit::server {

struct ServiceOptions {
  /// Predictions returned when a request's top_k is 0. Default 5.
  int default_top_k = 5;
  /// Requests one ClassifyStream may have in flight before the server stops
  /// reading from it (flow control). Default 64.
  int max_stream_in_flight = 64;
  /// Requests accepted and not yet answered, over all calls; more are
  /// RESOURCE_EXHAUSTED at once. 0 = unbounded. Default 512.
  int max_in_flight_requests = 512;
  /// ClassifyStream calls open at once; more are RESOURCE_EXHAUSTED at once.
  /// 0 = unbounded. Default 64.
  int max_streams = 64;
  /// Deadline (ms from arrival) of a request whose call has none; 0 = none.
  /// Default 60000.
  int64_t default_deadline_ms = 60000;
  /// Bearer token every RPC of this service must carry; "" = none. The
  /// health and reflection services are not this service: they stay open.
  /// Default "".
  std::string auth_token;
};

class VitServiceImpl final : public v1::VitService::CallbackService {
 public:
  /// `metrics` may be null.
  VitServiceImpl(const ServiceOptions& options, Metrics* metrics);

  /// Starts serving with `pipeline` (loaded and warmed up); until then every
  /// RPC is UNAVAILABLE. The pipeline must outlive the gRPC server.
  void SetPipeline(InferencePipeline* pipeline);

  grpc::ServerUnaryReactor* Classify(grpc::CallbackServerContext* context,
                                     const v1::ClassifyRequest* request,
                                     v1::ClassifyResponse* response) override;
  grpc::ServerBidiReactor<v1::ClassifyRequest, v1::ClassifyStreamResponse>* ClassifyStream(
      grpc::CallbackServerContext* context) override;
  grpc::ServerUnaryReactor* Embed(grpc::CallbackServerContext* context,
                                  const v1::EmbedRequest* request,
                                  v1::EmbedResponse* response) override;
  grpc::ServerUnaryReactor* GetModelInfo(grpc::CallbackServerContext* context,
                                         const v1::GetModelInfoRequest* request,
                                         v1::ModelInfo* response) override;

  /// Validates `request` and submits it; `done` runs exactly once (possibly
  /// inline) after `response` is filled on OK. `owned_image`, when not
  /// empty, replaces request.image() (a stream's bytes, moved out).
  void StartClassify(const char* method, const v1::ClassifyRequest& request,
                     std::string owned_image, int64_t deadline_micros, std::string peer,
                     v1::ClassifyResponse* response, std::function<void(const Status&)> done);

  const ServiceOptions& options() const { return options_; }
  InferencePipeline* pipeline() const { return pipeline_.load(std::memory_order_acquire); }
  /// Requests accepted by an RPC handler and not yet answered.
  int64_t in_flight() const { return in_flight_.load(); }
  /// Requests answered so far (any status).
  int64_t answered() const { return answered_.load(); }
  /// ClassifyStream calls open now.
  int64_t open_streams() const { return open_streams_.load(); }
  /// Called by a stream's reactor when gRPC is done with it.
  void OnStreamClosed() { --open_streams_; }

 private:
  // OK, or UNAUTHENTICATED (counted and logged) when the call lacks the token.
  grpc::Status Authenticate(const char* method, const grpc::CallbackServerContext& context);
  // OK, or RESOURCE_EXHAUSTED when `in_flight_before` is at the server-wide cap.
  Status Admit(int64_t in_flight_before) const;
  // `call_deadline` (0 = none) or, without one, now + default_deadline_ms.
  int64_t RequestDeadline(int64_t call_deadline, Clock* clock) const;

  // Counts, times and logs one finished request.
  void Record(const char* method, const std::string& peer, size_t image_bytes, const Status& status,
              const InferenceResult* result);

  const ServiceOptions options_;
  const BearerTokenAuth auth_;
  Metrics* const metrics_;
  std::atomic<InferencePipeline*> pipeline_{nullptr};
  std::atomic<int64_t> in_flight_{0};
  std::atomic<int64_t> answered_{0};
  std::atomic<int64_t> open_streams_{0};
};

}  // namespace vit::server
