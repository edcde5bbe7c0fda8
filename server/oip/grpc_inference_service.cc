#include "server/oip/grpc_inference_service.h"

#include <spdlog/spdlog.h>

#include <memory>
#include <utility>

#include "rpc/status_mapping.h"
#include "server/cancellable_reactor.h"
#include "server/oip/grpc_metadata_conversion.h"
#include "server/oip/grpc_stream_infer_reactor.h"
#include "server/oip/grpc_tensor_conversion.h"
#include "server/oip/model_metadata.h"
#include "server/request_conversion.h"

namespace vit::server::oip {
namespace {

constexpr const char* kProtocol = "oip-grpc";

using StreamReactor =
    grpc::ServerBidiReactor<inference::ModelInferRequest, inference::ModelStreamInferResponse>;

grpc::ServerUnaryReactor* FinishNow(grpc::CallbackServerContext* context,
                                    const grpc::Status& status) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(status);
  return reactor;
}

// Answers a ModelStreamInfer call with `status` before reading anything.
class RejectedStreamReactor final : public StreamReactor {
 public:
  explicit RejectedStreamReactor(const grpc::Status& status) { Finish(status); }
  void OnDone() override { delete this; }
};

// The pipeline serving model `name` (version `version`), or the error of a
// model RPC: UNAVAILABLE while loading, NOT_FOUND for another model.
StatusOr<std::shared_ptr<InferencePipeline>> ServedModel(const ServingContext& serving,
                                                         const std::string& name,
                                                         const std::string& version) {
  // The protocol names the model in every call: no default model here.
  if (name.empty() && serving.has_model_directory())
    return NotFoundError("the Open Inference Protocol needs a model name");
  VIT_ASSIGN_OR_RETURN(std::shared_ptr<InferencePipeline> pipeline, serving.Resolve(name, version));
  if (!serving.has_model_directory())
    VIT_RETURN_IF_ERROR(CheckModelAndVersion(name, version, *pipeline));
  return pipeline;
}

}  // namespace

GrpcInferenceServiceImpl::GrpcInferenceServiceImpl(ServingContext* serving)
    : serving_(serving), runner_(serving) {}

grpc::Status GrpcInferenceServiceImpl::Authenticate(const char* method,
                                                    const grpc::CallbackServerContext& context) {
  grpc::Status status = serving_->auth().Check(context);
  if (!status.ok())
    serving_->RecordUnauthenticated(kProtocol, method, context.peer(), status.error_message());
  return status;
}

void GrpcInferenceServiceImpl::RecordRejected(const char* method, const std::string& peer,
                                              size_t bytes, const Status& status) {
  serving_->Enter();  // Record() ends an Enter(), whatever it answered
  CallRecord record;
  record.protocol = kProtocol;
  record.method = method;
  record.peer = peer;
  record.bytes = bytes;
  record.status = status;
  serving_->Record(record);
}

grpc::ServerUnaryReactor* GrpcInferenceServiceImpl::ServerLive(
    grpc::CallbackServerContext* context, const inference::ServerLiveRequest* /*request*/,
    inference::ServerLiveResponse* response) {
  response->set_live(true);
  return FinishNow(context, grpc::Status::OK);
}

grpc::ServerUnaryReactor* GrpcInferenceServiceImpl::ServerReady(
    grpc::CallbackServerContext* context, const inference::ServerReadyRequest* /*request*/,
    inference::ServerReadyResponse* response) {
  response->set_ready(serving_->ready());
  return FinishNow(context, grpc::Status::OK);
}

grpc::ServerUnaryReactor* GrpcInferenceServiceImpl::ModelReady(
    grpc::CallbackServerContext* context, const inference::ModelReadyRequest* request,
    inference::ModelReadyResponse* response) {
  // An unknown model is not ready; that is an answer, not an error.
  response->set_ready(serving_->ready() &&
                      ServedModel(*serving_, request->name(), request->version()).ok());
  return FinishNow(context, grpc::Status::OK);
}

grpc::ServerUnaryReactor* GrpcInferenceServiceImpl::ServerMetadata(
    grpc::CallbackServerContext* context, const inference::ServerMetadataRequest* /*request*/,
    inference::ServerMetadataResponse* response) {
  if (grpc::Status status = Authenticate("ServerMetadata", *context); !status.ok())
    return FinishNow(context, status);
  FillServerMetadata(DescribeServer(), response);
  return FinishNow(context, grpc::Status::OK);
}

grpc::ServerUnaryReactor* GrpcInferenceServiceImpl::ModelMetadata(
    grpc::CallbackServerContext* context, const inference::ModelMetadataRequest* request,
    inference::ModelMetadataResponse* response) {
  if (grpc::Status status = Authenticate("ModelMetadata", *context); !status.ok())
    return FinishNow(context, status);
  StatusOr<std::shared_ptr<InferencePipeline>> pipeline =
      ServedModel(*serving_, request->name(), request->version());
  if (pipeline.ok()) FillModelMetadata(DescribeModel(**pipeline), response);
  return FinishNow(context, rpc::ToGrpcStatus(pipeline.status()));
}

grpc::ServerUnaryReactor* GrpcInferenceServiceImpl::ModelConfig(
    grpc::CallbackServerContext* context, const inference::ModelConfigRequest* request,
    inference::ModelConfigResponse* response) {
  if (grpc::Status status = Authenticate("ModelConfig", *context); !status.ok())
    return FinishNow(context, status);
  StatusOr<std::shared_ptr<InferencePipeline>> pipeline =
      ServedModel(*serving_, request->name(), request->version());
  if (pipeline.ok()) {
    FillModelConfig(DescribeModelConfig(**pipeline), response->mutable_config());
  }
  return FinishNow(context, rpc::ToGrpcStatus(pipeline.status()));
}

grpc::ServerUnaryReactor* GrpcInferenceServiceImpl::ModelStatistics(
    grpc::CallbackServerContext* context, const inference::ModelStatisticsRequest* request,
    inference::ModelStatisticsResponse* response) {
  if (grpc::Status status = Authenticate("ModelStatistics", *context); !status.ok())
    return FinishNow(context, status);
  std::shared_ptr<InferencePipeline> pipeline = serving_->pipeline();
  Status status;
  if (serving_->has_model_directory() && !request->name().empty()) {
    StatusOr<std::shared_ptr<InferencePipeline>> named =
        serving_->Resolve(request->name(), request->version());
    status = named.status();
    if (named.ok()) pipeline = std::move(named).value();
  } else if (pipeline == nullptr) {
    status = UnavailableError("model is loading; the server is not serving yet");
  } else if (!request->name().empty()) {
    status = CheckModelAndVersion(request->name(), request->version(), *pipeline);
  }
  if (status.ok() && request->name().empty()) {  // empty = every model served
    for (const std::shared_ptr<InferencePipeline>& model : serving_->pipelines()) {
      FillModelStatistics(model->served_name(), model->served_version(),
                          model->statistics().Snapshot(), response->add_model_stats());
    }
  } else if (status.ok()) {
    FillModelStatistics(pipeline->served_name(), pipeline->served_version(),
                        pipeline->statistics().Snapshot(), response->add_model_stats());
  }
  return FinishNow(context, rpc::ToGrpcStatus(status));
}

void GrpcInferenceServiceImpl::StartInfer(const char* method, const std::string& peer,
                                          int64_t deadline_micros,
                                          const inference::ModelInferRequest& request,
                                          inference::ModelInferResponse* response,
                                          std::function<void(const Status&)> done,
                                          std::shared_ptr<const std::atomic<bool>> cancelled) {
  auto converted = std::make_shared<InferRequest>();
  Status status = FromGrpcRequest(request, converted.get());
  if (!status.ok()) {
    RecordRejected(method, peer, request.ByteSizeLong(), status);
    done(status);
    return;
  }
  CallInfo call;
  call.protocol = kProtocol;
  call.method = method;
  call.peer = peer;
  call.deadline_micros = deadline_micros;
  call.cancelled = std::move(cancelled);
  const bool raw = UsesRawContents(request);
  const InferRequest& converted_ref = *converted;
  // `converted` rides along in the callback: its views must outlive the run.
  runner_.Infer(converted_ref, call,
                [converted = std::move(converted), raw, response, done = std::move(done)](
                    const Status& status, InferResponse result) {
                  if (status.ok()) ToGrpcResponse(result, raw, response);
                  done(status);
                });
}

grpc::ServerUnaryReactor* GrpcInferenceServiceImpl::ModelInfer(
    grpc::CallbackServerContext* context, const inference::ModelInferRequest* request,
    inference::ModelInferResponse* response) {
  if (grpc::Status status = Authenticate("ModelInfer", *context); !status.ok())
    return FinishNow(context, status);
  auto* reactor = new CancellableUnaryReactor([this] { serving_->WakeForCancellation(); });
  std::shared_ptr<InferencePipeline> pipeline = serving_->pipeline();
  const int64_t deadline = pipeline != nullptr ? DeadlineMicros(*context, pipeline->clock()) : 0;
  StartInfer(
      "ModelInfer", context->peer(), deadline, *request, response,
      [reactor](const Status& status) { reactor->Finish(rpc::ToGrpcStatus(status)); },
      reactor->cancelled());
  return reactor;
}

grpc::ServerBidiReactor<inference::ModelInferRequest, inference::ModelStreamInferResponse>*
GrpcInferenceServiceImpl::ModelStreamInfer(grpc::CallbackServerContext* context) {
  if (grpc::Status status = Authenticate("ModelStreamInfer", *context); !status.ok())
    return new RejectedStreamReactor(status);
  if (Status opened = serving_->OpenStream(kProtocol, "ModelStreamInfer", context->peer());
      !opened.ok())
    return new RejectedStreamReactor(rpc::ToGrpcStatus(opened));
  return new GrpcStreamInferReactor(this, context);  // calls OnStreamClosed() when done
}

}  // namespace vit::server::oip
