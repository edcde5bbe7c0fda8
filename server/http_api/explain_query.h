// POST /v1/explain's query -> the vit.v1.ExplainRequest (without the image,
// which is the body) and the answer's format. Checked here, before anything
// is submitted, with the same rules (common/explanation.h) and messages as
// the service's own check.
#pragma once

#include "common/status.h"
#include "server/http/http_message.h"
#include "vit/v1/vit.pb.h"

namespace vit::server::http_api {

enum class ExplainFormat {
  kJson,  // ExplainResponse as JSON (the overlay as base64 when asked for)
  kPng,   // the overlay PNG itself
};

struct ExplainQuery {
  v1::ExplainRequest request;  // image left empty
  ExplainFormat format = ExplainFormat::kJson;
};

/// Parameters: method (rollout | attention), head_fusion (mean | max | min),
/// discard_ratio (in [0, 1)), top_k, model, overlay (true | false | 1 | 0;
/// default false), format (json | png; png implies the overlay, and
/// overlay=false with it is INVALID_ARGUMENT).
StatusOr<ExplainQuery> ParseExplainQuery(const http::HttpRequest& request);

}  // namespace vit::server::http_api
