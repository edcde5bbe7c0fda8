// The Open Inference Protocol over gRPC (inference.GRPCInferenceService, as
// KServe v2 and Triton define it) on gRPC's callback API, served beside
// vit.v1 on the same server. A thin adapter: requests are converted by
// grpc_tensor_conversion.h and run by InferenceRunner through the same
// pipeline, limits, deadlines and metrics as vit.v1; the descriptive RPCs
// answer from model_metadata.h; the repository extension's RPCs
// (grpc_repository_service.cc) go to the ServingContext's ModelControlRunner.
// RPCs not overridden here (shared memory, trace and log settings) keep the
// generated default: UNIMPLEMENTED.
#pragma once

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "common/status.h"
#include "inference/grpc_service.grpc.pb.h"
#include "server/oip/inference_runner.h"
#include "server/oip/repository_request.h"
#include "server/serving_context.h"

namespace vit::server::oip {

class GrpcInferenceServiceImpl final : public inference::GRPCInferenceService::CallbackService {
 public:
  /// `serving` is shared with the server's other front doors and must
  /// outlive the service.
  explicit GrpcInferenceServiceImpl(ServingContext* serving);

  // Health checks: open without the bearer token, like the standard health
  // service, so that probes need no secret.
  grpc::ServerUnaryReactor* ServerLive(grpc::CallbackServerContext* context,
                                       const inference::ServerLiveRequest* request,
                                       inference::ServerLiveResponse* response) override;
  grpc::ServerUnaryReactor* ServerReady(grpc::CallbackServerContext* context,
                                        const inference::ServerReadyRequest* request,
                                        inference::ServerReadyResponse* response) override;
  grpc::ServerUnaryReactor* ModelReady(grpc::CallbackServerContext* context,
                                       const inference::ModelReadyRequest* request,
                                       inference::ModelReadyResponse* response) override;

  // The rest need the token when the server has one.
  grpc::ServerUnaryReactor* ServerMetadata(grpc::CallbackServerContext* context,
                                           const inference::ServerMetadataRequest* request,
                                           inference::ServerMetadataResponse* response) override;
  grpc::ServerUnaryReactor* ModelMetadata(grpc::CallbackServerContext* context,
                                          const inference::ModelMetadataRequest* request,
                                          inference::ModelMetadataResponse* response) override;
  grpc::ServerUnaryReactor* ModelInfer(grpc::CallbackServerContext* context,
                                       const inference::ModelInferRequest* request,
                                       inference::ModelInferResponse* response) override;
  grpc::ServerBidiReactor<inference::ModelInferRequest, inference::ModelStreamInferResponse>*
  ModelStreamInfer(grpc::CallbackServerContext* context) override;
  grpc::ServerUnaryReactor* ModelConfig(grpc::CallbackServerContext* context,
                                        const inference::ModelConfigRequest* request,
                                        inference::ModelConfigResponse* response) override;
  grpc::ServerUnaryReactor* ModelStatistics(grpc::CallbackServerContext* context,
                                            const inference::ModelStatisticsRequest* request,
                                            inference::ModelStatisticsResponse* response) override;

  // Triton's model repository extension (grpc_repository_service.cc), with
  // the token. Index answers at once; load and unload finish from a control
  // thread. Errors: FAILED_PRECONDITION (no repository, or model control not
  // allowed), NOT_FOUND (no such model), INVALID_ARGUMENT (a repository
  // name, an unknown parameter), and the repository's own.
  grpc::ServerUnaryReactor* RepositoryIndex(grpc::CallbackServerContext* context,
                                            const inference::RepositoryIndexRequest* request,
                                            inference::RepositoryIndexResponse* response) override;
  grpc::ServerUnaryReactor* RepositoryModelLoad(
      grpc::CallbackServerContext* context, const inference::RepositoryModelLoadRequest* request,
      inference::RepositoryModelLoadResponse* response) override;
  grpc::ServerUnaryReactor* RepositoryModelUnload(
      grpc::CallbackServerContext* context, const inference::RepositoryModelUnloadRequest* request,
      inference::RepositoryModelUnloadResponse* response) override;

  /// Converts and runs one inference request of a ModelInfer or
  /// ModelStreamInfer call (`method`). `request` must stay valid until
  /// `done` has run; `done` runs exactly once (possibly inline), after
  /// `response` is filled on OK. Errors as InferenceRunner::Infer's (which
  /// takes no empty model name: NOT_FOUND), plus the encoding errors of
  /// FromGrpcRequest.
  /// `cancelled`: the client's cancellation flag (nullptr = none).
  void StartInfer(const char* method, const std::string& peer, int64_t deadline_micros,
                  const inference::ModelInferRequest& request,
                  inference::ModelInferResponse* response, std::function<void(const Status&)> done,
                  std::shared_ptr<const std::atomic<bool>> cancelled = nullptr);

  ServingContext* serving() const { return serving_; }
  /// Called by a stream's reactor when gRPC is done with it.
  void OnStreamClosed() { serving_->CloseStream(); }

 private:
  // OK, or UNAUTHENTICATED (counted and logged) when the call lacks the token.
  grpc::Status Authenticate(const char* method, const grpc::CallbackServerContext& context);
  // RepositoryModelLoad / Unload: token, request checks, then the control
  // thread, which finishes the reactor.
  template <typename Request>
  grpc::ServerUnaryReactor* StartModelControl(RepositoryCall call,
                                              grpc::CallbackServerContext* context,
                                              const Request& request);
  // Counts and logs a request refused before it reached the runner.
  void RecordRejected(const char* method, const std::string& peer, size_t bytes,
                      const Status& status);

  ServingContext* const serving_;
  InferenceRunner runner_;
};

}  // namespace vit::server::oip
