// The Open Inference Protocol's REST endpoints (/v2/...): health, server and
// model metadata, Triton's model configuration and statistics, and
// inference with JSON tensors or Triton's binary tensor data extension.
// Authentication is the router's (HttpApiHandler); these only answer.
#pragma once

#include <memory>

#include "server/http/http_handler.h"
#include "server/http_api/api_route.h"
#include "server/http_api/infer_request_parser.h"
#include "server/oip/inference_runner.h"
#include "server/serving_context.h"

namespace vit::server::http_api {

class OipEndpoints {
 public:
  /// `serving` must outlive the endpoints.
  explicit OipEndpoints(ServingContext* serving, InferRequestLimits limits = {});

  /// Answers `route` (any /v2 endpoint) through `reply`, possibly later
  /// from a pipeline thread (inference).
  void Handle(const Route& route, std::shared_ptr<const http::HttpRequest> request,
              http::HttpReply reply);

 private:
  http::HttpResponse Metadata(const Route& route) const;
  void Infer(const Route& route, std::shared_ptr<const http::HttpRequest> request,
             http::HttpReply reply);

  ServingContext* const serving_;
  const InferRequestLimits limits_;
  oip::InferenceRunner runner_;
};

}  // namespace vit::server::http_api
