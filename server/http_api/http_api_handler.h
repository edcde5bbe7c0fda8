// The server's HTTP API on the asynchronous transport (server/http/): routes
// each request to the Open Inference Protocol endpoints (/v2; the repository
// extension's /v2/repository/... to RepositoryEndpoints), the plain ones
// (/v1) or the web page's files (GET /), answers unknown paths 404 and wrong
// methods 405, and checks the bearer token on everything but the health
// endpoints and the page's files.
#pragma once

#include <memory>

#include "server/http/http_handler.h"
#include "server/http_api/oip_endpoints.h"
#include "server/http_api/repository_endpoints.h"
#include "server/http_api/v1_endpoints.h"
#include "server/serving_context.h"
#include "server/vit_service.h"

namespace vit::server::http_api {

class HttpApiHandler final : public http::HttpHandler {
 public:
  /// `service` (whose ServingContext the /v2 endpoints share) must outlive
  /// the handler.
  explicit HttpApiHandler(VitServiceImpl* service, InferRequestLimits limits = {});

  void Handle(std::shared_ptr<const http::HttpRequest> request, http::HttpReply reply) override;

 private:
  ServingContext* const serving_;
  OipEndpoints oip_;
  RepositoryEndpoints repository_;
  V1Endpoints v1_;
};

}  // namespace vit::server::http_api
