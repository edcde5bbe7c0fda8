#include "server/http_api/web_page.h"

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "server/http_api/web_files.h"

namespace vit::server::http_api {
namespace {

struct WebFile {
  std::string_view name;
  std::string_view body;
  const char* content_type;
  std::string etag;  // quoted, as sent
};

const char* ContentTypeOf(std::string_view name) {
  auto ends_with = [name](std::string_view suffix) {
    return name.size() >= suffix.size() && name.substr(name.size() - suffix.size()) == suffix;
  };
  if (ends_with(".html")) return "text/html; charset=utf-8";
  if (ends_with(".js")) return "text/javascript; charset=utf-8";
  if (ends_with(".css")) return "text/css; charset=utf-8";
  if (ends_with(".svg")) return "image/svg+xml";
  return "application/octet-stream";
}

// FNV-1a, 64 bits: the bytes change only with the binary, so any stable hash works.
std::string ETagOf(std::string_view bytes) {
  uint64_t hash = 14695981039346656037ull;
  for (const char c : bytes) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 1099511628211ull;
  }
  char text[24];
  std::snprintf(text, sizeof text, "\"%016llx\"", static_cast<unsigned long long>(hash));
  return text;
}

const std::vector<WebFile>& Files() {
  static const std::vector<WebFile> files = [] {
    std::vector<WebFile> made;
    for (size_t i = 0; i < kWebFilesCount; ++i) {
      const EmbeddedFile& file = kWebFiles[i];
      const std::string_view body(reinterpret_cast<const char*>(file.data), file.size);
      made.push_back({file.name, body, ContentTypeOf(file.name), ETagOf(body)});
    }
    return made;
  }();
  return files;
}

const WebFile* Find(std::string_view path) {
  std::string_view name;
  if (path == "/") {
    name = "index.html";
  } else if (path.substr(0, 5) == "/web/") {
    name = path.substr(5);
    if (!name.empty() && name.back() == '/') name.remove_suffix(1);
  }
  for (const WebFile& file : Files()) {
    if (file.name == name) return &file;
  }
  return nullptr;
}

// If-None-Match: "*" or a list of (possibly weak: W/"...") quoted tags.
bool Matches(std::string_view if_none_match, const std::string& etag) {
  return if_none_match == "*" || if_none_match.find(etag) != std::string_view::npos;
}

}  // namespace

http::HttpResponse ServeWebPage(const http::HttpRequest& request) {
  const WebFile* file = Find(request.path);
  if (file == nullptr) {
    return http::JsonErrorResponse(404, "no page file " + request.path + "; the page is at /");
  }
  http::HttpResponse response;
  response.headers = {{"ETag", file->etag},
                      {"Cache-Control", "no-cache"},
                      {"Content-Security-Policy", std::string(kWebPageCsp)},
                      {"X-Content-Type-Options", "nosniff"},
                      {"Referrer-Policy", "no-referrer"}};
  const auto if_none_match = request.Header("If-None-Match");
  if (if_none_match && Matches(*if_none_match, file->etag)) {
    response.status = 304;
    response.content_type.clear();
    return response;
  }
  response.content_type = file->content_type;
  response.body = std::string(file->body);
  return response;
}

}  // namespace vit::server::http_api
