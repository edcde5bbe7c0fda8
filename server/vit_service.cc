#include "server/vit_service.h"

#include <spdlog/spdlog.h>

#include <memory>
#include <utility>

#include "rpc/status_mapping.h"
#include "server/classify_stream_reactor.h"
#include "server/request_conversion.h"

namespace vit::server {
namespace {

Status NotServing() { return UnavailableError("model is loading; the server is not serving yet"); }

// Answers a ClassifyStream call with `status` before reading anything.
class RejectedStreamReactor final
    : public grpc::ServerBidiReactor<v1::ClassifyRequest, v1::ClassifyStreamResponse> {
 public:
  explicit RejectedStreamReactor(const grpc::Status& status) { Finish(status); }
  void OnDone() override { delete this; }
};

}  // namespace

VitServiceImpl::VitServiceImpl(const ServiceOptions& options, Metrics* metrics)
    : options_(options), auth_(options.auth_token), metrics_(metrics) {}

grpc::Status VitServiceImpl::Authenticate(const char* method,
                                          const grpc::CallbackServerContext& context) {
  grpc::Status status = auth_.Check(context);
  if (!status.ok()) {
    if (metrics_ != nullptr) metrics_->CountRequest(method, "UNAUTHENTICATED");
    spdlog::warn("{} peer={} status=UNAUTHENTICATED: {}", method, context.peer(),
                 status.error_message());
  }
  return status;
}

Status VitServiceImpl::Admit(int64_t in_flight_before) const {
  const int limit = options_.max_in_flight_requests;
  if (limit <= 0 || in_flight_before < limit) return Status::Ok();
  return ResourceExhaustedError("the server has " + std::to_string(limit) +
                                " requests in flight (--max-in-flight-requests); retry later");
}

int64_t VitServiceImpl::RequestDeadline(int64_t call_deadline, Clock* clock) const {
  if (call_deadline != 0 || options_.default_deadline_ms <= 0) return call_deadline;
  return clock->NowMicros() + options_.default_deadline_ms * 1000;
}

void VitServiceImpl::SetPipeline(InferencePipeline* pipeline) {
  pipeline_.store(pipeline, std::memory_order_release);
}

void VitServiceImpl::Record(const char* method, const std::string& peer, size_t image_bytes,
                            const Status& status, const InferenceResult* result) {
  --in_flight_;
  ++answered_;
  if (metrics_ != nullptr) {
    metrics_->CountRequest(method, status.code());
    if (status.ok() && result != nullptr)
      metrics_->ObserveLatencies(result->queue_us, result->preprocess_us, result->total_us);
  }
  if (!status.ok()) {
    spdlog::warn("{} peer={} bytes={} status={}", method, peer, image_bytes, status.ToString());
  } else if (result != nullptr && spdlog::should_log(spdlog::level::debug)) {
    spdlog::debug(
        "{} peer={} bytes={} status=OK top1={} batch={} queue_us={} preprocess_us={} "
        "inference_us={} total_us={}",
        method, peer, image_bytes, result->top_k.empty() ? -1 : result->top_k.front().class_index,
        result->batch_size, result->queue_us, result->preprocess_us, result->inference_us,
        result->total_us);
  }
}

void VitServiceImpl::StartClassify(const char* method, const v1::ClassifyRequest& request,
                                   std::string owned_image, int64_t deadline_micros,
                                   std::string peer, v1::ClassifyResponse* response,
                                   std::function<void(const Status&)> done) {
  const int64_t in_flight_before = in_flight_++;
  const size_t bytes = owned_image.empty() ? request.image().size() : owned_image.size();
  auto reject = [&](const Status& status) {
    Record(method, peer, bytes, status, nullptr);
    done(status);
  };
  InferencePipeline* pipeline = this->pipeline();
  if (pipeline == nullptr) return reject(NotServing());
  if (Status admitted = Admit(in_flight_before); !admitted.ok()) return reject(admitted);
  const ModelInfo& info = pipeline->model_info();
  Status status = CheckModelName(request.model(), info);
  if (status.ok()) status = CheckImageSize(bytes, pipeline->max_image_bytes());
  if (!status.ok()) return reject(status);
  StatusOr<int> top_k = ResolveTopK(request.top_k(), info, options_.default_top_k);
  if (!top_k.ok()) return reject(top_k.status());

  InferenceRequest inference;
  if (owned_image.empty()) inference.image = request.image();
  inference.owned_image = std::move(owned_image);
  inference.top_k = *top_k;
  inference.deadline_micros = RequestDeadline(deadline_micros, pipeline->clock());
  pipeline->Submit(std::move(inference),
                   [this, &info, method, peer = std::move(peer), bytes, response,
                    done = std::move(done)](const Status& status, InferenceResult result) {
                     if (status.ok()) FillClassifyResponse(info, result, response);
                     Record(method, peer, bytes, status, &result);
                     done(status);
                   });
}

grpc::ServerUnaryReactor* VitServiceImpl::Classify(grpc::CallbackServerContext* context,
                                                   const v1::ClassifyRequest* request,
                                                   v1::ClassifyResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  if (grpc::Status status = Authenticate("Classify", *context); !status.ok()) {
    reactor->Finish(status);
    return reactor;
  }
  InferencePipeline* pipeline = this->pipeline();
  const int64_t deadline =
      pipeline != nullptr ? DeadlineMicros(*context, pipeline->clock()) : int64_t{0};
  StartClassify("Classify", *request, /*owned_image=*/{}, deadline, context->peer(), response,
                [reactor](const Status& status) { reactor->Finish(rpc::ToGrpcStatus(status)); });
  return reactor;
}

grpc::ServerBidiReactor<v1::ClassifyRequest, v1::ClassifyStreamResponse>*
VitServiceImpl::ClassifyStream(grpc::CallbackServerContext* context) {
  if (grpc::Status status = Authenticate("ClassifyStream", *context); !status.ok())
    return new RejectedStreamReactor(status);
  const int64_t open_before = open_streams_++;
  if (options_.max_streams > 0 && open_before >= options_.max_streams) {
    --open_streams_;
    if (metrics_ != nullptr) metrics_->CountRequest("ClassifyStream", "RESOURCE_EXHAUSTED");
    spdlog::warn("ClassifyStream peer={} status=RESOURCE_EXHAUSTED: {} streams open",
                 context->peer(), options_.max_streams);
    return new RejectedStreamReactor(
        grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                     "the server has " + std::to_string(options_.max_streams) +
                         " ClassifyStream calls open (--max-streams); retry later"));
  }
  return new ClassifyStreamReactor(this, context);  // calls OnStreamClosed() when done
}

grpc::ServerUnaryReactor* VitServiceImpl::Embed(grpc::CallbackServerContext* context,
                                                const v1::EmbedRequest* request,
                                                v1::EmbedResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  if (grpc::Status status = Authenticate("Embed", *context); !status.ok()) {
    reactor->Finish(status);
    return reactor;
  }
  const int64_t in_flight_before = in_flight_++;
  std::string peer = context->peer();
  const size_t bytes = request->image().size();
  auto finish = [this, reactor, peer, bytes](const Status& status, const InferenceResult* result) {
    Record("Embed", peer, bytes, status, result);
    reactor->Finish(rpc::ToGrpcStatus(status));
  };
  InferencePipeline* pipeline = this->pipeline();
  if (pipeline == nullptr) {
    finish(NotServing(), nullptr);
    return reactor;
  }
  const ModelInfo& info = pipeline->model_info();
  Status status = Admit(in_flight_before);
  if (status.ok()) status = CheckModelName(request->model(), info);
  if (status.ok()) status = CheckImageSize(bytes, pipeline->max_image_bytes());
  if (!status.ok()) {
    finish(status, nullptr);
    return reactor;
  }
  InferenceRequest inference;
  inference.image = request->image();
  inference.want_features = true;
  inference.deadline_micros =
      RequestDeadline(DeadlineMicros(*context, pipeline->clock()), pipeline->clock());
  pipeline->Submit(std::move(inference), [&info, response, finish](const Status& status,
                                                                   InferenceResult result) {
    if (status.ok()) {
      response->mutable_embedding()->Assign(result.features.begin(), result.features.end());
      response->set_model_id(info.id);
      FillTimings(result, response->mutable_timings());
    }
    finish(status, &result);
  });
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
  InferencePipeline* pipeline = this->pipeline();
  Status status =
      pipeline == nullptr ? NotServing() : CheckModelName(request->model(), pipeline->model_info());
  if (status.ok()) FillModelInfo(pipeline->model_info(), pipeline->options(), response);
  reactor->Finish(rpc::ToGrpcStatus(status));
  return reactor;
}

}  // namespace vit::server
