#include "server/http_api/http_api_handler.h"

#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "server/http_api/web_page.h"

namespace vit::server::http_api {

HttpApiHandler::HttpApiHandler(VitServiceImpl* service, InferRequestLimits limits)
    : serving_(service->serving()),
      oip_(service->serving(), limits),
      repository_(service->serving()),
      v1_(service) {}

void HttpApiHandler::Handle(std::shared_ptr<const http::HttpRequest> request,
                            http::HttpReply reply) {
  const Route route = MatchRoute(request->path);
  if (route.endpoint == Endpoint::kUnknown) {
    return reply(http::JsonErrorResponse(
        404, "no endpoint " + request->path +
                 "; see GET / (the web page), GET /v2 and POST /v1/classify"));
  }
  if (request->method != route.method) {
    http::HttpResponse response = http::JsonErrorResponse(
        405, request->path + " answers " + route.method + ", not " + request->method);
    response.headers.emplace_back("Allow", route.method);
    return reply(std::move(response));
  }
  if (!route.open) {
    const std::optional<std::string_view> header = request->Header("Authorization");
    const Status auth = serving_->auth().CheckAuthorization(header ? &*header : nullptr, "header");
    if (!auth.ok()) {
      serving_->RecordUnauthenticated(route.protocol, route.name, request->peer, auth.message());
      http::HttpResponse response = http::JsonErrorResponse(401, auth.message());
      response.headers.emplace_back("WWW-Authenticate", "Bearer");
      return reply(std::move(response));
    }
  }
  if (route.endpoint == Endpoint::kWebPage) return reply(ServeWebPage(*request));
  if (route.protocol == std::string_view("http")) {
    return v1_.Handle(route, std::move(request), std::move(reply));
  }
  switch (route.endpoint) {
    case Endpoint::kRepositoryIndex:
    case Endpoint::kRepositoryLoad:
    case Endpoint::kRepositoryUnload:
      return repository_.Handle(route, std::move(request), std::move(reply));
    default:
      return oip_.Handle(route, std::move(request), std::move(reply));
  }
}

}  // namespace vit::server::http_api
