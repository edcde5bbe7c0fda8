// POST /v1/explain's answer: the vit.v1.ExplainResponse as JSON (protobuf's
// mapping: heatmap as a number array, overlay_png as base64), or with
// ?format=png the overlay PNG itself (Content-Type image/png).
#pragma once

#include "server/http/http_message.h"
#include "server/http_api/explain_query.h"
#include "vit/v1/vit.pb.h"

namespace vit::server::http_api {

/// kPng with an empty overlay (the service did not make one) is a 500 in
/// the error shape, never an empty image.
http::HttpResponse WriteExplainResponse(const v1::ExplainResponse& response, ExplainFormat format);

}  // namespace vit::server::http_api
