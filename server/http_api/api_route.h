// Which endpoint a request path names: the Open Inference Protocol's
// /v2/... and the plain /v1/... endpoints, with the model and version taken
// from the path.
#pragma once

#include <string>
#include <string_view>

namespace vit::server::http_api {

enum class Endpoint {
  kUnknown,
  kServerLive,        // GET /v2/health/live
  kServerReady,       // GET /v2/health/ready
  kServerMetadata,    // GET /v2
  kModelMetadata,     // GET /v2/models/{m}[/versions/{v}]
  kModelReady,        // GET .../ready
  kModelConfig,       // GET .../config
  kModelStats,        // GET .../stats; GET /v2/models/stats (every model)
  kModelInfer,        // POST .../infer
  kRepositoryIndex,   // POST /v2/repository/index
  kRepositoryLoad,    // POST /v2/repository/models/{m}/load
  kRepositoryUnload,  // POST /v2/repository/models/{m}/unload
  kClassify,          // POST /v1/classify
  kEmbed,             // POST /v1/embed
  kModelInfo,         // GET /v1/models/{m}
  kExplain,           // POST /v1/explain
  kWebPage,           // GET / and GET /web/{file}: the embedded web page
};

struct Route {
  Endpoint endpoint = Endpoint::kUnknown;
  /// "GET" or "POST": the one method the endpoint answers.
  const char* method = "GET";
  /// From the path; empty where it names none (kModelStats of every model).
  std::string model;
  std::string version;
  /// The endpoint's name in logs and metrics: "ModelInfer", "/v1/classify".
  const char* name = "";
  /// The metrics protocol label: "oip-http" for /v2, "http" for /v1, "web"
  /// for the web page's files.
  const char* protocol = "oip-http";
  /// Health endpoints and the web page's files answer without the bearer
  /// token (a browser cannot send one when it navigates).
  bool open = false;
};

/// `path` is decoded and without the query; one trailing '/' is ignored.
Route MatchRoute(std::string_view path);

}  // namespace vit::server::http_api
