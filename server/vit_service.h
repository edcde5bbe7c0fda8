// The vit.v1.VitService implementation on gRPC's callback API. RPC handlers
// only validate and hand requests to the InferencePipeline; they never block.
#pragma once

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"
#include "server/inference_pipeline.h"
#include "server/metrics.h"
#include "server/service_options.h"
#include "server/serving_context.h"
#include "vit/v1/vit.grpc.pb.h"

namespace vit::server {

class VitServiceImpl final : public v1::VitService::CallbackService {
 public:
  /// Shares `serving` (which must outlive the service) with the server's
  /// other front doors.
  explicit VitServiceImpl(ServingContext* serving);
  /// A service with a context of its own (tests, the fuzz harness).
  /// `metrics` may be null.
  VitServiceImpl(const ServiceOptions& options, Metrics* metrics);

  /// Starts serving with `pipeline` (loaded and warmed up); until then every
  /// RPC is UNAVAILABLE. The pipeline must outlive the gRPC server.
  void SetPipeline(InferencePipeline* pipeline) { serving_->SetPipeline(pipeline); }

  grpc::ServerUnaryReactor* Classify(grpc::CallbackServerContext* context,
                                     const v1::ClassifyRequest* request,
                                     v1::ClassifyResponse* response) override;
  grpc::ServerBidiReactor<v1::ClassifyRequest, v1::ClassifyStreamResponse>* ClassifyStream(
      grpc::CallbackServerContext* context) override;
  grpc::ServerUnaryReactor* Embed(grpc::CallbackServerContext* context,
                                  const v1::EmbedRequest* request,
                                  v1::EmbedResponse* response) override;
  grpc::ServerUnaryReactor* Explain(grpc::CallbackServerContext* context,
                                    const v1::ExplainRequest* request,
                                    v1::ExplainResponse* response) override;
  grpc::ServerUnaryReactor* GetModelInfo(grpc::CallbackServerContext* context,
                                         const v1::GetModelInfoRequest* request,
                                         v1::ModelInfo* response) override;
  /// The repository's index grouped per model (ModelControlRunner::Index);
  /// answers at once.
  grpc::ServerUnaryReactor* ListModels(grpc::CallbackServerContext* context,
                                       const v1::ListModelsRequest* request,
                                       v1::ListModelsResponse* response) override;

  /// Where a Classify or Embed call came from, for limits, metrics and logs.
  struct CallSource {
    /// Metrics label (see CallRecord): "vit" for this service's own RPCs,
    /// "http" for the plain HTTP endpoints built on them.
    const char* protocol = "vit";
    const char* method = "Classify";
    std::string peer;
    /// The call's deadline on the pipeline's clock (microseconds); 0 = none.
    int64_t deadline_micros = 0;
    /// Set when the client cancels (nullptr = never): see
    /// InferenceRequest::cancelled.
    std::shared_ptr<const std::atomic<bool>> cancelled;
  };

  /// Validates `request` and submits it; `done` runs exactly once (possibly
  /// inline) after `response` is filled on OK. `owned_image`, when not
  /// empty, replaces request.image() (bytes moved out of a stream or an HTTP
  /// body).
  void StartClassify(CallSource source, const v1::ClassifyRequest& request, std::string owned_image,
                     v1::ClassifyResponse* response, std::function<void(const Status&)> done);
  /// The same for Embed.
  void StartEmbed(CallSource source, const v1::EmbedRequest& request, std::string owned_image,
                  v1::EmbedResponse* response, std::function<void(const Status&)> done);
  /// The same for Explain.
  void StartExplain(CallSource source, const v1::ExplainRequest& request, std::string owned_image,
                    v1::ExplainResponse* response, std::function<void(const Status&)> done);

  const ServiceOptions& options() const { return serving_->options(); }
  /// The default model's pipeline, pinned while the pointer lives.
  std::shared_ptr<InferencePipeline> pipeline() const { return serving_->pipeline(); }
  ServingContext* serving() const { return serving_; }
  /// Requests accepted by an RPC handler and not yet answered.
  int64_t in_flight() const { return serving_->in_flight(); }
  /// Requests answered so far (any status).
  int64_t answered() const { return serving_->answered(); }
  /// Streaming calls open now (both protocols').
  int64_t open_streams() const { return serving_->open_streams(); }
  /// Called by a stream's reactor when gRPC is done with it.
  void OnStreamClosed() { serving_->CloseStream(); }

 private:
  // Sets up the pipeline request once the common checks passed; an error
  // refuses the call.
  // `options`: the serving pipeline's (a model's own default top-k).
  using PrepareFn =
      std::function<Status(const ModelInfo&, const PipelineOptions& options, InferenceRequest*)>;
  // Fills the response from a successful result.
  using FillFn = std::function<void(const InferencePipeline& served, const InferenceResult&)>;
  // The path of every image call: Enter, model name and size checks,
  // `prepare`, submit, `fill` on OK, Record, `done` exactly once.
  void StartImageCall(CallSource source, const std::string& model, std::string_view image,
                      std::string owned_image, const PrepareFn& prepare, FillFn fill,
                      std::function<void(const Status&)> done);

  // OK, or UNAUTHENTICATED (counted and logged) when the call lacks the token.
  grpc::Status Authenticate(const char* method, const grpc::CallbackServerContext& context);

  std::unique_ptr<ServingContext> owned_serving_;  // the second constructor's
  ServingContext* const serving_;
};

}  // namespace vit::server
