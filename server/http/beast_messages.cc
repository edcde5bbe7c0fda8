#include "server/http/beast_messages.h"

#include <boost/beast/http/error.hpp>
#include <utility>

#include "server/http/request_target.h"

namespace vit::server::http {

namespace http = boost::beast::http;

StatusOr<HttpRequest> ToHttpRequest(BeastRequest&& request, std::string peer, bool tls) {
  HttpRequest converted;
  converted.target = std::string(request.target());
  StatusOr<RequestTarget> target = ParseRequestTarget(converted.target);
  if (!target.ok()) return target.status();
  converted.method = std::string(request.method_string());
  converted.path = std::move(target->path);
  converted.query = std::move(target->query);
  for (const auto& field : request) {
    converted.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  converted.body = std::move(request.body());
  converted.peer = std::move(peer);
  converted.tls = tls;
  return converted;
}

BeastResponse ToBeastResponse(HttpResponse&& response, unsigned version, bool keep_alive) {
  BeastResponse beast_response;
  beast_response.version(version);
  const bool valid_status = response.status >= 100 && response.status <= 599;
  beast_response.result(static_cast<unsigned>(valid_status ? response.status : 500));
  if (!response.content_type.empty()) {
    beast_response.set(http::field::content_type, response.content_type);
  }
  for (auto& [name, value] : response.headers) beast_response.insert(name, value);
  beast_response.body() = std::move(response.body);
  beast_response.keep_alive(keep_alive);
  beast_response.prepare_payload();
  return beast_response;
}

std::optional<HttpResponse> ReadErrorResponse(const boost::beast::error_code& error,
                                              size_t max_header_bytes, size_t max_body_bytes) {
  if (error == http::error::header_limit) {
    return JsonErrorResponse(431, "request line and headers are larger than the limit of " +
                                      std::to_string(max_header_bytes) + " bytes");
  }
  if (error == http::error::body_limit) {
    return JsonErrorResponse(413, "request body is larger than the limit of " +
                                      std::to_string(max_body_bytes) + " bytes");
  }
  // The client closed mid-request: nobody left to read an answer.
  if (error == http::error::end_of_stream || error == http::error::partial_message) {
    return std::nullopt;
  }
  if (error.category() == http::make_error_code(http::error::bad_target).category()) {
    return JsonErrorResponse(400, "malformed HTTP request: " + error.message());
  }
  return std::nullopt;  // timeout, reset, TLS failure, shutdown
}

}  // namespace vit::server::http
