// The request target of an HTTP/1.1 request line, split and percent-decoded.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "common/status.h"

namespace vit::server::http {

struct RequestTarget {
  /// Decoded path, starting with "/".
  std::string path;
  /// Decoded query parameters; a name without "=" has the value "".
  std::multimap<std::string, std::string> query;
};

/// Splits an origin-form ("/a/b?x=1") or absolute-form
/// ("http://host:8000/a/b?x=1", RFC 9112 3.2.2) target at its "?" and decodes
/// both parts: %XX escapes everywhere, "+" as a space in the query only (HTML
/// forms), a "#fragment" dropped. INVALID_ARGUMENT for another form, a bad
/// escape, or an escaped NUL.
StatusOr<RequestTarget> ParseRequestTarget(std::string_view target);

}  // namespace vit::server::http
