#include "server/http_api/api_route.h"

#include <vector>

namespace vit::server::http_api {
namespace {

std::vector<std::string_view> Segments(std::string_view path) {
  std::vector<std::string_view> segments;
  if (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  if (path.empty() || path.front() != '/') return segments;
  path.remove_prefix(1);
  while (true) {
    const size_t slash = path.find('/');
    segments.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return segments;
}

Route Make(Endpoint endpoint, const char* method, const char* name, const char* protocol) {
  Route route;
  route.endpoint = endpoint;
  route.method = method;
  route.name = name;
  route.protocol = protocol;
  return route;
}

// segments after "/v2/models": {m}[/versions/{v}][/ready|config|stats|infer]
Route MatchModel(const std::vector<std::string_view>& s) {
  if (s.size() == 3 && s[2] == "stats") {
    return Make(Endpoint::kModelStats, "GET", "ModelStatistics", "oip-http");
  }
  size_t next = 3;
  std::string_view version;
  if (s.size() >= 5 && s[3] == "versions") {
    version = s[4];
    next = 5;
  }
  if (s[2].empty() || (next == 5 && version.empty())) return Route();
  Route route;
  if (s.size() == next) {
    route = Make(Endpoint::kModelMetadata, "GET", "ModelMetadata", "oip-http");
  } else if (s.size() == next + 1) {
    const std::string_view action = s[next];
    if (action == "ready") {
      route = Make(Endpoint::kModelReady, "GET", "ModelReady", "oip-http");
    } else if (action == "config") {
      route = Make(Endpoint::kModelConfig, "GET", "ModelConfig", "oip-http");
    } else if (action == "stats") {
      route = Make(Endpoint::kModelStats, "GET", "ModelStatistics", "oip-http");
    } else if (action == "infer") {
      route = Make(Endpoint::kModelInfer, "POST", "ModelInfer", "oip-http");
    } else {
      return Route();
    }
  } else {
    return Route();
  }
  route.model = std::string(s[2]);
  route.version = std::string(version);
  return route;
}

// segments after "/v2/repository": index | models/{m}/load | models/{m}/unload
Route MatchRepository(const std::vector<std::string_view>& s) {
  if (s.size() == 3 && s[2] == "index")
    return Make(Endpoint::kRepositoryIndex, "POST", "RepositoryIndex", "oip-http");
  if (s.size() != 5 || s[2] != "models" || s[3].empty()) return Route();
  Route route;
  if (s[4] == "load") {
    route = Make(Endpoint::kRepositoryLoad, "POST", "RepositoryModelLoad", "oip-http");
  } else if (s[4] == "unload") {
    route = Make(Endpoint::kRepositoryUnload, "POST", "RepositoryModelUnload", "oip-http");
  } else {
    return Route();
  }
  route.model = std::string(s[3]);
  return route;
}

Route WebPage() {
  Route route = Make(Endpoint::kWebPage, "GET", "/", "web");
  route.open = true;
  return route;
}

}  // namespace

Route MatchRoute(std::string_view path) {
  const std::vector<std::string_view> s = Segments(path);
  if (s.empty()) return Route();
  if (s.size() == 1 && s[0].empty()) return WebPage();
  if (s.size() == 2 && s[0] == "web" && !s[1].empty()) return WebPage();
  if (s[0] == "v2") {
    if (s.size() == 1) return Make(Endpoint::kServerMetadata, "GET", "ServerMetadata", "oip-http");
    if (s.size() == 3 && s[1] == "health") {
      Route route;
      if (s[2] == "live") route = Make(Endpoint::kServerLive, "GET", "ServerLive", "oip-http");
      if (s[2] == "ready") route = Make(Endpoint::kServerReady, "GET", "ServerReady", "oip-http");
      route.open = true;
      return route;
    }
    if (s.size() >= 3 && s[1] == "models") return MatchModel(s);
    if (s.size() >= 3 && s[1] == "repository") return MatchRepository(s);
    return Route();
  }
  if (s[0] == "v1" && s.size() == 2) {
    if (s[1] == "classify") return Make(Endpoint::kClassify, "POST", "/v1/classify", "http");
    if (s[1] == "embed") return Make(Endpoint::kEmbed, "POST", "/v1/embed", "http");
    if (s[1] == "explain") return Make(Endpoint::kExplain, "POST", "/v1/explain", "http");
  }
  if (s[0] == "v1" && s.size() == 3 && s[1] == "models" && !s[2].empty()) {
    Route route = Make(Endpoint::kModelInfo, "GET", "/v1/models", "http");
    route.model = std::string(s[2]);
    return route;
  }
  return Route();
}

}  // namespace vit::server::http_api
