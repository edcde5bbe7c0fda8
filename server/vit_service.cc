#include "server/vit_service.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <memory>
#include <utility>

#include "rpc/status_mapping.h"
#include "server/cancellable_reactor.h"
#include "server/classify_stream_reactor.h"
#include "server/request_conversion.h"

namespace vit::server {
namespace {

VitServiceImpl::CallSource Source(const char* method, const grpc::CallbackServerContext& context,
                                  InferencePipeline* pipeline) {
  VitServiceImpl::CallSource source;
  source.method = method;
  source.peer = context.peer();
  if (pipeline != nullptr) source.deadline_micros = DeadlineMicros(context, pipeline->clock());
  return source;
}

// Answers a ClassifyStream call with `status` before reading anything.
class RejectedStreamReactor final
    : public grpc::ServerBidiReactor<v1::ClassifyRequest, v1::ClassifyStreamResponse> {
 public:
  explicit RejectedStreamReactor(const grpc::Status& status) { Finish(status); }
  void OnDone() override { delete this; }
};

}  // namespace

VitServiceImpl::VitServiceImpl(ServingContext* serving) : serving_(serving) {}

VitServiceImpl::VitServiceImpl(const ServiceOptions& options, Metrics* metrics)
    : owned_serving_(std::make_unique<ServingContext>(options, metrics)),
      serving_(owned_serving_.get()) {}

grpc::Status VitServiceImpl::Authenticate(const char* method,
                                          const grpc::CallbackServerContext& context) {
  grpc::Status status = serving_->auth().Check(context);
  if (!status.ok())
    serving_->RecordUnauthenticated("vit", method, context.peer(), status.error_message());
  return status;
}

void VitServiceImpl::StartImageCall(CallSource source, const std::string& model,
                                    std::string_view image, std::string owned_image,
                                    const PrepareFn& prepare, FillFn fill,
                                    std::function<void(const Status&)> done) {
  auto record = std::make_shared<CallRecord>();
  record->protocol = source.protocol;
  record->method = source.method;
  record->peer = std::move(source.peer);
  record->bytes = owned_image.empty() ? image.size() : owned_image.size();
  auto reject = [&](const Status& status) {
    record->status = status;
    serving_->Record(*record);
    done(status);
  };
  if (Status entered = serving_->Enter(); !entered.ok()) return reject(entered);
  StatusOr<std::shared_ptr<InferencePipeline>> resolved = serving_->Resolve(model);
  if (!resolved.ok()) return reject(resolved.status());
  // Pins the model version until the call is answered.
  std::shared_ptr<InferencePipeline> pipeline = std::move(resolved).value();
  record->model = pipeline.get();
  const ModelInfo& info = pipeline->model_info();
  Status status = serving_->has_model_directory() ? Status::Ok() : CheckModelName(model, info);
  if (status.ok()) status = CheckImageSize(record->bytes, pipeline->max_image_bytes());
  InferenceRequest inference;
  if (status.ok()) status = prepare(info, pipeline->options(), &inference);
  if (!status.ok()) return reject(status);

  if (owned_image.empty()) inference.image = image;
  inference.owned_image = std::move(owned_image);
  inference.deadline_micros = serving_->RequestDeadline(source.deadline_micros);
  inference.cancelled = std::move(source.cancelled);
  InferencePipeline* target = pipeline.get();
  target->Submit(std::move(inference),
                 [this, record, pipeline, fill = std::move(fill), done = std::move(done)](
                     const Status& status, InferenceResult result) {
                   if (status.ok()) fill(*pipeline, result);
                   record->status = status;
                   record->result = &result;
                   serving_->Record(*record);
                   done(status);
                 });
}

void VitServiceImpl::StartClassify(CallSource source, const v1::ClassifyRequest& request,
                                   std::string owned_image, v1::ClassifyResponse* response,
                                   std::function<void(const Status&)> done) {
  const int requested_top_k = request.top_k();
  const int default_top_k = options().default_top_k;
  StartImageCall(
      std::move(source), request.model(), request.image(), std::move(owned_image),
      [requested_top_k, default_top_k](const ModelInfo& info, const PipelineOptions& served,
                                       InferenceRequest* inference) {
        StatusOr<int> top_k = ResolveTopK(
            requested_top_k, info, served.default_top_k > 0 ? served.default_top_k : default_top_k);
        if (!top_k.ok()) return top_k.status();
        inference->top_k = *top_k;
        return Status::Ok();
      },
      [response](const InferencePipeline& served, const InferenceResult& result) {
        FillClassifyResponse(served, result, response);
      },
      std::move(done));
}

void VitServiceImpl::StartEmbed(CallSource source, const v1::EmbedRequest& request,
                                std::string owned_image, v1::EmbedResponse* response,
                                std::function<void(const Status&)> done) {
  StartImageCall(
      std::move(source), request.model(), request.image(), std::move(owned_image),
      [](const ModelInfo&, const PipelineOptions&, InferenceRequest* inference) {
        inference->want_features = true;
        return Status::Ok();
      },
      [response](const InferencePipeline& served, const InferenceResult& result) {
        FillEmbedResponse(served, result, response);
      },
      std::move(done));
}

void VitServiceImpl::StartExplain(CallSource source, const v1::ExplainRequest& request,
                                  std::string owned_image, v1::ExplainResponse* response,
                                  std::function<void(const Status&)> done) {
  const int requested_top_k = request.top_k();
  const int default_top_k = options().default_top_k;
  const StatusOr<ExplainSpec> spec = ToExplainSpec(request);
  const bool want_overlay = request.overlay_png();
  StartImageCall(
      std::move(source), request.model(), request.image(), std::move(owned_image),
      [requested_top_k, default_top_k, spec, want_overlay](
          const ModelInfo& info, const PipelineOptions& served, InferenceRequest* inference) {
        if (!spec.ok()) return spec.status();
        StatusOr<int> top_k = ResolveTopK(
            requested_top_k, info, served.default_top_k > 0 ? served.default_top_k : default_top_k);
        if (!top_k.ok()) return top_k.status();
        inference->top_k = *top_k;
        inference->explain = *spec;
        inference->want_overlay = want_overlay;
        return Status::Ok();
      },
      [response](const InferencePipeline& served, const InferenceResult& result) {
        FillExplainResponse(served, result, response);
      },
      std::move(done));
}

grpc::ServerUnaryReactor* VitServiceImpl::Classify(grpc::CallbackServerContext* context,
                                                   const v1::ClassifyRequest* request,
                                                   v1::ClassifyResponse* response) {
  auto* reactor = new CancellableUnaryReactor([this] { serving_->WakeForCancellation(); });
  if (grpc::Status status = Authenticate("Classify", *context); !status.ok()) {
    reactor->Finish(status);
    return reactor;
  }
  CallSource source = Source("Classify", *context, pipeline().get());
  source.cancelled = reactor->cancelled();
  StartClassify(std::move(source), *request, /*owned_image=*/{}, response,
                [reactor](const Status& status) { reactor->Finish(rpc::ToGrpcStatus(status)); });
  return reactor;
}

grpc::ServerBidiReactor<v1::ClassifyRequest, v1::ClassifyStreamResponse>*
VitServiceImpl::ClassifyStream(grpc::CallbackServerContext* context) {
  if (grpc::Status status = Authenticate("ClassifyStream", *context); !status.ok())
    return new RejectedStreamReactor(status);
  if (Status opened = serving_->OpenStream("vit", "ClassifyStream", context->peer()); !opened.ok())
    return new RejectedStreamReactor(rpc::ToGrpcStatus(opened));
  return new ClassifyStreamReactor(this, context);  // calls OnStreamClosed() when done
}

grpc::ServerUnaryReactor* VitServiceImpl::Embed(grpc::CallbackServerContext* context,
                                                const v1::EmbedRequest* request,
                                                v1::EmbedResponse* response) {
  auto* reactor = new CancellableUnaryReactor([this] { serving_->WakeForCancellation(); });
  if (grpc::Status status = Authenticate("Embed", *context); !status.ok()) {
    reactor->Finish(status);
    return reactor;
  }
  CallSource source = Source("Embed", *context, pipeline().get());
  source.cancelled = reactor->cancelled();
  StartEmbed(std::move(source), *request, /*owned_image=*/{}, response,
             [reactor](const Status& status) { reactor->Finish(rpc::ToGrpcStatus(status)); });
  return reactor;
}

grpc::ServerUnaryReactor* VitServiceImpl::Explain(grpc::CallbackServerContext* context,
                                                  const v1::ExplainRequest* request,
                                                  v1::ExplainResponse* response) {
  auto* reactor = new CancellableUnaryReactor([this] { serving_->WakeForCancellation(); });
  if (grpc::Status status = Authenticate("Explain", *context); !status.ok()) {
    reactor->Finish(status);
    return reactor;
  }
  CallSource source = Source("Explain", *context, pipeline().get());
  source.cancelled = reactor->cancelled();
  StartExplain(std::move(source), *request, /*owned_image=*/{}, response,
               [reactor](const Status& status) { reactor->Finish(rpc::ToGrpcStatus(status)); });
  return reactor;
}

grpc::ServerUnaryReactor* VitServiceImpl::GetModelInfo(grpc::CallbackServerContext* context,
                                                       const v1::GetModelInfoRequest* request,
                                                       v1::ModelInfo* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  if (grpc::Status status = Authenticate("GetModelInfo", *context); !status.ok()) {
    reactor->Finish(status);
    return reactor;
  }
  StatusOr<std::shared_ptr<InferencePipeline>> pipeline = serving_->Resolve(request->model());
  Status status = pipeline.status();
  if (status.ok() && !serving_->has_model_directory())
    status = CheckModelName(request->model(), (*pipeline)->model_info());
  if (status.ok()) FillModelInfo(**pipeline, response);
  reactor->Finish(rpc::ToGrpcStatus(status));
  return reactor;
}

grpc::ServerUnaryReactor* VitServiceImpl::ListModels(grpc::CallbackServerContext* context,
                                                     const v1::ListModelsRequest* request,
                                                     v1::ListModelsResponse* response) {
  const auto start = std::chrono::steady_clock::now();
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  if (grpc::Status status = Authenticate("ListModels", *context); !status.ok()) {
    reactor->Finish(status);
    return reactor;
  }
  ModelControlRunner& control = serving_->model_control();
  StatusOr<std::vector<ModelIndexEntry>> index = control.Index(request->ready_only());
  StatusOr<std::string> default_model = control.DefaultModel();
  Status status = !index.ok() ? index.status() : default_model.status();
  if (status.ok()) FillListModels(*index, *default_model, response);
  ControlCallRecord record;
  record.protocol = "vit";
  record.method = "ListModels";
  record.peer = context->peer();
  record.status = status;
  record.elapsed_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::steady_clock::now() - start)
                          .count();
  serving_->RecordControl(record);
  reactor->Finish(rpc::ToGrpcStatus(status));
  return reactor;
}

}  // namespace vit::server
