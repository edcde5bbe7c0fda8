#include "server/http_api/v1_endpoints.h"

#include <memory>
#include <string>
#include <utility>

#include "server/http_api/client_cancellation.h"
#include "server/http_api/explain_query.h"
#include "server/http_api/explain_response_writer.h"
#include "server/http_api/proto_json.h"
#include "server/http_api/query_parameters.h"
#include "server/request_conversion.h"

namespace vit::server::http_api {
namespace {

http::HttpResponse Error(const Status& status) { return StatusErrorResponse(status); }

VitServiceImpl::CallSource Source(const Route& route, const http::HttpRequest& request,
                                  ServingContext* serving) {
  VitServiceImpl::CallSource source;
  source.protocol = route.protocol;
  source.method = route.name;
  source.peer = request.peer;
  source.cancelled = CancelOnDisconnect(request, serving);
  return source;
}

}  // namespace

void V1Endpoints::Handle(const Route& route, std::shared_ptr<const http::HttpRequest> request,
                         http::HttpReply reply) {
  switch (route.endpoint) {
    case Endpoint::kClassify:
      return Classify(route, *request, std::move(reply));
    case Endpoint::kEmbed:
      return Embed(route, *request, std::move(reply));
    case Endpoint::kExplain:
      return Explain(route, *request, std::move(reply));
    default:
      return reply(ModelInfo(route));
  }
}

void V1Endpoints::Classify(const Route& route, const http::HttpRequest& request,
                           http::HttpReply reply) {
  StatusOr<int> top_k = QueryInt(request, "top_k", /*absent=*/0);
  if (!top_k.ok()) return reply(Error(top_k.status()));
  v1::ClassifyRequest message;
  message.set_top_k(*top_k);
  message.set_model(QueryString(request, "model"));
  auto response = std::make_shared<v1::ClassifyResponse>();
  // The image is copied once out of the (shared, const) request.
  service_->StartClassify(Source(route, request, service_->serving()), message, request.body,
                          response.get(),
                          [response, reply = std::move(reply)](const Status& status) {
                            reply(status.ok() ? ProtoJsonResponse(*response) : Error(status));
                          });
}

void V1Endpoints::Embed(const Route& route, const http::HttpRequest& request,
                        http::HttpReply reply) {
  v1::EmbedRequest message;
  message.set_model(QueryString(request, "model"));
  auto response = std::make_shared<v1::EmbedResponse>();
  service_->StartEmbed(Source(route, request, service_->serving()), message, request.body,
                       response.get(), [response, reply = std::move(reply)](const Status& status) {
                         reply(status.ok() ? ProtoJsonResponse(*response) : Error(status));
                       });
}

void V1Endpoints::Explain(const Route& route, const http::HttpRequest& request,
                          http::HttpReply reply) {
  StatusOr<ExplainQuery> query = ParseExplainQuery(request);
  if (!query.ok()) return reply(Error(query.status()));
  auto response = std::make_shared<v1::ExplainResponse>();
  const ExplainFormat format = query->format;
  service_->StartExplain(
      Source(route, request, service_->serving()), query->request, request.body, response.get(),
      [response, format, reply = std::move(reply)](const Status& status) {
        reply(status.ok() ? WriteExplainResponse(*response, format) : Error(status));
      });
}

http::HttpResponse V1Endpoints::ModelInfo(const Route& route) const {
  StatusOr<std::shared_ptr<InferencePipeline>> resolved = service_->serving()->Resolve(route.model);
  if (!resolved.ok()) {
    return Error(resolved.status().code() == StatusCode::kUnavailable
                     ? UnavailableError("the model is not loaded yet")
                     : resolved.status());
  }
  std::shared_ptr<InferencePipeline> pipeline = std::move(resolved).value();
  const vit::ModelInfo& info = pipeline->model_info();
  Status known =
      service_->serving()->has_model_directory() ? Status::Ok() : CheckModelName(route.model, info);
  if (!known.ok()) return Error(known);
  v1::ModelInfo message;
  FillModelInfo(*pipeline, &message);
  return ProtoJsonResponse(message);
}

}  // namespace vit::server::http_api
