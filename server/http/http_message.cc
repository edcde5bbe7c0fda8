#include "server/http/http_message.h"

#include <nlohmann/json.hpp>

namespace vit::server::http {
namespace {

bool EqualsIgnoringAsciiCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

}  // namespace

std::optional<std::string_view> HttpRequest::Header(std::string_view name) const {
  for (const auto& [field, value] : headers) {
    if (EqualsIgnoringAsciiCase(field, name)) return value;
  }
  return std::nullopt;
}

std::optional<std::string_view> HttpRequest::QueryParameter(std::string_view name) const {
  auto found = query.find(std::string(name));
  if (found == query.end()) return std::nullopt;
  return found->second;
}

HttpResponse JsonErrorResponse(int status, std::string_view message) {
  HttpResponse response;
  response.status = status;
  // Invalid UTF-8 (a peer's bytes quoted in a message) is replaced, never thrown on.
  response.body = nlohmann::json{{"error", message}}.dump(
      /*indent=*/-1, /*indent_char=*/' ', /*ensure_ascii=*/false,
      nlohmann::json::error_handler_t::replace);
  return response;
}

}  // namespace vit::server::http
