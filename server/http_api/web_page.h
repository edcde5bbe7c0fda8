// GET / and GET /web/{file}: the embedded web page (web_files.h), with its
// Content-Type, a Content-Security-Policy that allows only the server itself
// (plus blob: images, the page's own copies of the chosen image and the
// overlay), and revalidation caching: an ETag of the bytes, Cache-Control
// no-cache, 304 when If-None-Match matches.
#pragma once

#include <string_view>

#include "server/http/http_message.h"

namespace vit::server::http_api {

/// The policy every page file is served with.
inline constexpr std::string_view kWebPageCsp =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob:; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// "/" is index.html; "/web/{file}" a file by name; anything else 404.
http::HttpResponse ServeWebPage(const http::HttpRequest& request);

}  // namespace vit::server::http_api
