#include "server/http_api/query_parameters.h"

#include <charconv>
#include <cmath>

namespace vit::server::http_api {
namespace {

Status NotA(std::string_view name, const char* what, std::string_view text) {
  return InvalidArgumentError(std::string(name) + " must be " + what + "; got '" +
                              std::string(text) + "'");
}

}  // namespace

StatusOr<int> QueryInt(const http::HttpRequest& request, std::string_view name, int absent) {
  const auto text = request.QueryParameter(name);
  if (!text) return absent;
  int value = 0;
  const auto [end, error] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (error != std::errc() || end != text->data() + text->size()) {
    return NotA(name, "an integer", *text);
  }
  return value;
}

StatusOr<float> QueryFloat(const http::HttpRequest& request, std::string_view name, float absent) {
  const auto text = request.QueryParameter(name);
  if (!text) return absent;
  float value = 0;
  const auto [end, error] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (error != std::errc() || end != text->data() + text->size() || !std::isfinite(value)) {
    return NotA(name, "a number", *text);
  }
  return value;
}

StatusOr<bool> QueryBool(const http::HttpRequest& request, std::string_view name, bool absent) {
  const auto text = request.QueryParameter(name);
  if (!text) return absent;
  if (*text == "true" || *text == "1") return true;
  if (*text == "false" || *text == "0") return false;
  return NotA(name, "true, false, 1 or 0", *text);
}

std::string QueryString(const http::HttpRequest& request, std::string_view name,
                        std::string_view absent) {
  const auto text = request.QueryParameter(name);
  return std::string(text ? *text : absent);
}

}  // namespace vit::server::http_api
