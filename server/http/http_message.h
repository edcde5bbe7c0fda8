// The request a handler sees and the response it gives back: plain data, no
// sockets, no Boost.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "server/http/client_disconnect.h"

namespace vit::server::http {

struct HttpRequest {
  /// "GET", "POST", ... as sent (methods are case-sensitive).
  std::string method;
  /// The request target as sent, e.g. "/v1/classify?top_k=3", for logs.
  std::string target;
  /// Percent-decoded path without the query, e.g. "/v2/models/m/infer".
  std::string path;
  /// Decoded query parameters ("+" is a space there), in the order sent.
  std::multimap<std::string, std::string> query;
  /// Header fields as sent, in order (names keep their case: use Header()).
  std::vector<std::pair<std::string, std::string>> headers;
  /// The whole body (Content-Length or chunked), at most max_body_bytes.
  std::string body;
  /// The client, in gRPC's peer format: "ipv4:1.2.3.4:5678", "ipv6:[::1]:5678".
  std::string peer;
  /// Whether it came over HTTPS.
  bool tls = false;
  /// Signalled when the client closes the connection while the request
  /// waits for its reply. Set by the transport; null for requests made
  /// elsewhere (tests): never signalled.
  std::shared_ptr<ClientDisconnect> disconnect;

  /// The first header named `name` (ASCII case-insensitive), else nullopt.
  std::optional<std::string_view> Header(std::string_view name) const;
  /// The first value of query parameter `name`, else nullopt.
  std::optional<std::string_view> QueryParameter(std::string_view name) const;
};

struct HttpResponse {
  int status = 200;
  /// "" = no Content-Type header.
  std::string content_type = "application/json";
  std::string body;
  /// Extra header fields, e.g. Inference-Header-Content-Length. Not
  /// Content-Length, Connection or Transfer-Encoding: the transport sets those.
  std::vector<std::pair<std::string, std::string>> headers;
};

/// `status` with the body {"error": "<message>"}, as the Open Inference
/// Protocol and Triton write errors.
HttpResponse JsonErrorResponse(int status, std::string_view message);

}  // namespace vit::server::http
