#include "server/http_api/v1_endpoints.h"

#include <google/protobuf/util/json_util.h>

#include <charconv>
#include <string>
#include <utility>

#include "server/http_api/http_status.h"
#include "server/request_conversion.h"

namespace vit::server::http_api {
namespace {

http::HttpResponse Error(const Status& status) {
  return http::JsonErrorResponse(HttpStatusFor(status.code()), status.message());
}

http::HttpResponse ProtoJson(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = true;
  http::HttpResponse response;
  if (!google::protobuf::util::MessageToJsonString(message, &response.body, options).ok()) {
    return Error(InternalError("cannot write the response as JSON"));
  }
  return response;
}

// The query's top_k: absent = 0 (the server's default).
StatusOr<int> QueryTopK(const http::HttpRequest& request) {
  const auto text = request.QueryParameter("top_k");
  if (!text) return 0;
  int value = 0;
  const auto [end, error] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (error != std::errc() || end != text->data() + text->size()) {
    return InvalidArgumentError("top_k must be an integer; got '" + std::string(*text) + "'");
  }
  return value;
}

std::string QueryModel(const http::HttpRequest& request) {
  const auto model = request.QueryParameter("model");
  return model ? std::string(*model) : std::string();
}

VitServiceImpl::CallSource Source(const Route& route, const http::HttpRequest& request) {
  VitServiceImpl::CallSource source;
  source.protocol = route.protocol;
  source.method = route.name;
  source.peer = request.peer;
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
    default:
      return reply(ModelInfo(route));
  }
}

void V1Endpoints::Classify(const Route& route, const http::HttpRequest& request,
                           http::HttpReply reply) {
  StatusOr<int> top_k = QueryTopK(request);
  if (!top_k.ok()) return reply(Error(top_k.status()));
  v1::ClassifyRequest message;
  message.set_top_k(*top_k);
  message.set_model(QueryModel(request));
  auto response = std::make_shared<v1::ClassifyResponse>();
  // The image is copied once out of the (shared, const) request.
  service_->StartClassify(Source(route, request), message, request.body, response.get(),
                          [response, reply = std::move(reply)](const Status& status) {
                            reply(status.ok() ? ProtoJson(*response) : Error(status));
                          });
}

void V1Endpoints::Embed(const Route& route, const http::HttpRequest& request,
                        http::HttpReply reply) {
  v1::EmbedRequest message;
  message.set_model(QueryModel(request));
  auto response = std::make_shared<v1::EmbedResponse>();
  service_->StartEmbed(Source(route, request), message, request.body, response.get(),
                       [response, reply = std::move(reply)](const Status& status) {
                         reply(status.ok() ? ProtoJson(*response) : Error(status));
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
  FillModelInfo(info, pipeline->options(), &message);
  return ProtoJson(message);
}

}  // namespace vit::server::http_api
