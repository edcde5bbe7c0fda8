#include "server/http/request_target.h"

#include <optional>

namespace vit::server::http {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// %XX-decodes `text`; "+" becomes a space when `plus_is_space`.
std::optional<std::string> PercentDecode(std::string_view text, bool plus_is_space) {
  std::string decoded;
  decoded.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '+' && plus_is_space) {
      decoded += ' ';
    } else if (c != '%') {
      decoded += c;
    } else {
      if (i + 2 >= text.size()) return std::nullopt;  // "%" needs two hex digits
      const int high = HexValue(text[i + 1]);
      const int low = HexValue(text[i + 2]);
      if (high < 0 || low < 0 || (high == 0 && low == 0)) return std::nullopt;
      decoded += static_cast<char>(high * 16 + low);
      i += 2;
    }
  }
  return decoded;
}

// The origin-form part of an absolute-form target: what follows the authority.
std::string_view StripSchemeAndAuthority(std::string_view target) {
  for (std::string_view scheme : {"http://", "https://"}) {
    if (target.substr(0, scheme.size()) == scheme) {
      const size_t path = target.find_first_of("/?", scheme.size());
      return path == std::string_view::npos ? std::string_view("/") : target.substr(path);
    }
  }
  return target;
}

}  // namespace

StatusOr<RequestTarget> ParseRequestTarget(std::string_view target) {
  const std::string quoted = "'" + std::string(target.substr(0, 200)) + "'";
  std::string_view origin = StripSchemeAndAuthority(target);
  origin = origin.substr(0, origin.find('#'));
  if (origin.empty() || (origin[0] != '/' && origin[0] != '?')) {
    return InvalidArgumentError("request target " + quoted + " is not a path (\"/...\")");
  }
  const size_t question = origin.find('?');
  const std::string_view raw_path = origin.substr(0, question);
  RequestTarget parsed;
  std::optional<std::string> path = PercentDecode(raw_path.empty() ? "/" : raw_path, false);
  if (!path) return InvalidArgumentError("bad percent-escape in the path of " + quoted);
  parsed.path = std::move(*path);
  if (question == std::string_view::npos) return parsed;

  std::string_view rest = origin.substr(question + 1);
  while (!rest.empty()) {
    const size_t amp = rest.find('&');
    const std::string_view pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
    if (pair.empty()) continue;  // "a=1&&b=2"
    const size_t equals = pair.find('=');
    std::optional<std::string> name = PercentDecode(pair.substr(0, equals), true);
    std::optional<std::string> value =
        PercentDecode(equals == std::string_view::npos ? "" : pair.substr(equals + 1), true);
    if (!name || !value)
      return InvalidArgumentError("bad percent-escape in the query of " + quoted);
    parsed.query.emplace(std::move(*name), std::move(*value));
  }
  return parsed;
}

}  // namespace vit::server::http
