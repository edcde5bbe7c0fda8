// Conversions between Beast's HTTP messages and the handler's HttpRequest /
// HttpResponse, and the answer to a request that could not be read.
#pragma once

#include <boost/beast/core/error.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cstddef>
#include <optional>
#include <string>

#include "common/status.h"
#include "server/http/http_message.h"

namespace vit::server::http {

using BeastRequest = boost::beast::http::request<boost::beast::http::string_body>;
using BeastResponse = boost::beast::http::response<boost::beast::http::string_body>;

/// The handler's view of `request` (moved from); INVALID_ARGUMENT when its
/// target cannot be parsed (see ParseRequestTarget).
StatusOr<HttpRequest> ToHttpRequest(BeastRequest&& request, std::string peer, bool tls);

/// `response` (moved from) as HTTP/`version` (10 or 11) with Content-Length
/// and, unless `keep_alive`, Connection: close. A status outside 100..599
/// becomes 500.
BeastResponse ToBeastResponse(HttpResponse&& response, unsigned version, bool keep_alive);

/// The response to a request that failed to be read with `error`: 431 for a
/// header over `max_header_bytes`, 413 for a body over `max_body_bytes`, 400
/// for a malformed request; nullopt when there is nobody to answer (the
/// client left or timed out, the socket or TLS failed).
std::optional<HttpResponse> ReadErrorResponse(const boost::beast::error_code& error,
                                              size_t max_header_bytes, size_t max_body_bytes);

}  // namespace vit::server::http
