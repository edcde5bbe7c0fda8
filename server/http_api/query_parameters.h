// Typed query parameters of the /v1 endpoints: an absent parameter gives the
// default; a present one that does not parse is INVALID_ARGUMENT naming the
// parameter and quoting what was sent.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"
#include "server/http/http_message.h"

namespace vit::server::http_api {

/// A whole decimal integer ("3", "-1"); nothing before or after it.
StatusOr<int> QueryInt(const http::HttpRequest& request, std::string_view name, int absent);
/// A finite decimal number ("0.9", "1e-3").
StatusOr<float> QueryFloat(const http::HttpRequest& request, std::string_view name, float absent);
/// "true" / "1" or "false" / "0".
StatusOr<bool> QueryBool(const http::HttpRequest& request, std::string_view name, bool absent);
/// The text as sent; `absent` when not sent.
std::string QueryString(const http::HttpRequest& request, std::string_view name,
                        std::string_view absent = "");

}  // namespace vit::server::http_api
