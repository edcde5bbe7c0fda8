// Triton's model repository extension over HTTP (POST /v2/repository/index,
// POST /v2/repository/models/{m}/load and /unload), over the ServingContext's
// ModelControlRunner: the index answers on the I/O thread (it does not
// block); load and unload answer from a control thread. Errors are the OIP's
// {"error": "..."} with HttpStatusFor's status. Authentication is the
// router's (HttpApiHandler).
#pragma once

#include <memory>

#include "server/http/http_handler.h"
#include "server/http_api/api_route.h"
#include "server/serving_context.h"

namespace vit::server::http_api {

class RepositoryEndpoints {
 public:
  /// `serving` must outlive the endpoints.
  explicit RepositoryEndpoints(ServingContext* serving) : serving_(serving) {}

  /// Answers `route` (kRepositoryIndex, kRepositoryLoad, kRepositoryUnload)
  /// through `reply` exactly once, counted and logged under route.name.
  void Handle(const Route& route, std::shared_ptr<const http::HttpRequest> request,
              http::HttpReply reply);

 private:
  ServingContext* const serving_;
};

}  // namespace vit::server::http_api
