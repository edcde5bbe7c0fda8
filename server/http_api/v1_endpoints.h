// The plain HTTP endpoints for people and scripts:
//   POST /v1/classify  body = the encoded image (any content type), query
//                      top_k and model -> vit.v1.ClassifyResponse as JSON
//   POST /v1/embed     likewise -> vit.v1.EmbedResponse
//   POST /v1/explain   likewise, query method, head_fusion, discard_ratio,
//                      top_k, model, overlay, format -> vit.v1.ExplainResponse
//                      as JSON, or the overlay PNG (format=png)
//   GET  /v1/models/{m} -> vit.v1.ModelInfo (GetModelInfo)
// The JSON is protobuf's own mapping of the vit.v1 messages, with the
// .proto's field names and zero values printed. Classify, Embed and Explain
// run through VitServiceImpl::StartClassify / StartEmbed / StartExplain: the same checks,
// limits and metrics as the gRPC RPCs, under the protocol label "http".
#pragma once

#include <memory>

#include "server/http/http_handler.h"
#include "server/http_api/api_route.h"
#include "server/vit_service.h"

namespace vit::server::http_api {

class V1Endpoints {
 public:
  /// `service` must outlive the endpoints.
  explicit V1Endpoints(VitServiceImpl* service) : service_(service) {}

  void Handle(const Route& route, std::shared_ptr<const http::HttpRequest> request,
              http::HttpReply reply);

 private:
  void Classify(const Route& route, const http::HttpRequest& request, http::HttpReply reply);
  void Embed(const Route& route, const http::HttpRequest& request, http::HttpReply reply);
  void Explain(const Route& route, const http::HttpRequest& request, http::HttpReply reply);
  http::HttpResponse ModelInfo(const Route& route) const;

  VitServiceImpl* const service_;
};

}  // namespace vit::server::http_api
