#include "server/http_api/oip_endpoints.h"

#include <optional>
#include <string>
#include <utility>

#include "server/http_api/client_cancellation.h"
#include "server/http_api/http_status.h"
#include "server/http_api/infer_response_writer.h"
#include "server/http_api/oip_documents.h"
#include "server/oip/model_metadata.h"

namespace vit::server::http_api {
namespace {

http::HttpResponse Json(int status, std::string body) {
  http::HttpResponse response;
  response.status = status;
  response.body = std::move(body);
  return response;
}

http::HttpResponse Error(const Status& status) {
  return http::JsonErrorResponse(HttpStatusFor(status.code()), status.message());
}

Status NotLoaded() { return UnavailableError("the model is not loaded yet"); }

// A request and everything its tensors point into, alive until answered.
struct InferCall {
  std::shared_ptr<const http::HttpRequest> http;
  ParsedInferRequest parsed;
};

StatusOr<ParsedInferRequest> ParseBody(const http::HttpRequest& request, const Route& route,
                                       const InferRequestLimits& limits) {
  std::optional<size_t> json_length;
  if (auto header = request.Header("Inference-Header-Content-Length")) {
    VIT_ASSIGN_OR_RETURN(json_length, ParseHeaderLength(*header));
  }
  VIT_ASSIGN_OR_RETURN(ParsedInferRequest parsed,
                       ParseInferRequest(request.body, json_length, limits));
  parsed.request.model_name = route.model;
  parsed.request.model_version = route.version;
  return parsed;
}

http::HttpResponse InferResponse(const oip::InferResponse& response,
                                 const oip::InferRequest& request) {
  EncodedInferResponse encoded = WriteInferResponse(response, request);
  http::HttpResponse out = Json(200, std::move(encoded.body));
  if (encoded.json_length > 0) {
    out.content_type = "application/octet-stream";
    out.headers.emplace_back("Inference-Header-Content-Length",
                             std::to_string(encoded.json_length));
  }
  return out;
}

}  // namespace

OipEndpoints::OipEndpoints(ServingContext* serving, InferRequestLimits limits)
    : serving_(serving), limits_(limits), runner_(serving) {}

void OipEndpoints::Handle(const Route& route, std::shared_ptr<const http::HttpRequest> request,
                          http::HttpReply reply) {
  const bool ready = serving_->ready();
  switch (route.endpoint) {
    case Endpoint::kServerLive:
      return reply(Json(200, ReadyJson("live", true)));
    case Endpoint::kServerReady:
      // Not ready (loading, or shutting down) is 503, which load balancers
      // and Kubernetes probes read.
      return reply(Json(ready ? 200 : 503, ReadyJson("ready", ready)));
    case Endpoint::kServerMetadata:
      return reply(Json(200, ServerMetadataJson(oip::DescribeServer())));
    case Endpoint::kModelInfer:
      return Infer(route, std::move(request), std::move(reply));
    default:
      return reply(Metadata(route));
  }
}

http::HttpResponse OipEndpoints::Metadata(const Route& route) const {
  std::shared_ptr<InferencePipeline> pipeline = serving_->pipeline();
  if (serving_->has_model_directory() && !route.model.empty()) {
    StatusOr<std::shared_ptr<InferencePipeline>> named =
        serving_->Resolve(route.model, route.version);
    if (!named.ok()) return Error(named.status());
    pipeline = std::move(named).value();
  }
  if (pipeline == nullptr) return Error(NotLoaded());
  const InferencePipeline& served = *pipeline;
  // GET /v2/models/stats (no name): every model's statistics.
  if (route.endpoint == Endpoint::kModelStats && route.model.empty()) {
    std::vector<ModelStatisticsEntry> all;
    for (const std::shared_ptr<InferencePipeline>& model : serving_->pipelines())
      all.push_back(
          {model->served_name(), model->served_version(), model->statistics().Snapshot()});
    return Json(200, ModelStatisticsJson(all));
  }
  Status known = serving_->has_model_directory()
                     ? Status::Ok()
                     : oip::CheckModelAndVersion(route.model, route.version, served);
  if (!known.ok()) return Error(known);
  switch (route.endpoint) {
    case Endpoint::kModelMetadata:
      return Json(200, ModelMetadataJson(oip::DescribeModel(served)));
    case Endpoint::kModelReady:
      return Json(serving_->ready() ? 200 : 503,
                  ReadyJson("ready", serving_->ready(), served.served_name()));
    case Endpoint::kModelConfig:
      return Json(200, ModelConfigJson(oip::DescribeModelConfig(served)));
    case Endpoint::kModelStats:
      return Json(200, ModelStatisticsJson(served.served_name(), served.served_version(),
                                           pipeline->statistics().Snapshot()));
    default:
      return Error(InternalError("no handler for this endpoint"));
  }
}

void OipEndpoints::Infer(const Route& route, std::shared_ptr<const http::HttpRequest> request,
                         http::HttpReply reply) {
  StatusOr<ParsedInferRequest> parsed = ParseBody(*request, route, limits_);
  if (!parsed.ok()) {
    // Counted and logged like every other failed call.
    CallRecord record;
    record.protocol = route.protocol;
    record.method = route.name;
    record.peer = request->peer;
    record.bytes = request->body.size();
    record.status = parsed.status();
    (void)serving_->Enter(1);  // Record() ends it whatever it returned
    serving_->Record(record);
    return reply(Error(parsed.status()));
  }
  auto call = std::make_shared<InferCall>(InferCall{std::move(request), std::move(*parsed)});
  oip::CallInfo info;
  info.protocol = route.protocol;
  info.method = route.name;
  info.peer = call->http->peer;
  info.cancelled = CancelOnDisconnect(*call->http, serving_);
  runner_.Infer(
      call->parsed.request, info,
      [call, reply = std::move(reply)](const Status& status, oip::InferResponse response) {
        reply(status.ok() ? InferResponse(response, call->parsed.request) : Error(status));
      });
}

}  // namespace vit::server::http_api
