#include "server/http_api/explain_query.h"

#include <string>

#include "common/explanation.h"
#include "server/http_api/query_parameters.h"

namespace vit::server::http_api {
namespace {

StatusOr<ExplainFormat> QueryFormat(const http::HttpRequest& request) {
  const std::string format = QueryString(request, "format", "json");
  if (format == "json") return ExplainFormat::kJson;
  if (format == "png") return ExplainFormat::kPng;
  return InvalidArgumentError("format must be json (the default) or png; got '" + format + "'");
}

}  // namespace

StatusOr<ExplainQuery> ParseExplainQuery(const http::HttpRequest& request) {
  ExplainQuery query;
  VIT_ASSIGN_OR_RETURN(query.format, QueryFormat(request));
  VIT_ASSIGN_OR_RETURN(const int top_k, QueryInt(request, "top_k", 0));
  VIT_ASSIGN_OR_RETURN(const float discard_ratio, QueryFloat(request, "discard_ratio", 0.0f));
  const bool png = query.format == ExplainFormat::kPng;
  VIT_ASSIGN_OR_RETURN(const bool overlay, QueryBool(request, "overlay", png));
  if (png && !overlay) {
    return InvalidArgumentError(
        "format=png answers with the overlay; overlay=false contradicts it");
  }
  const std::string method = QueryString(request, "method");
  const std::string head_fusion = QueryString(request, "head_fusion");
  const StatusOr<ExplainSpec> spec = ParseExplainSpec(method, head_fusion, discard_ratio);
  if (!spec.ok()) return spec.status();

  v1::ExplainRequest& message = query.request;
  message.set_method(method);
  message.set_head_fusion(head_fusion);
  message.set_discard_ratio(discard_ratio);
  message.set_top_k(top_k);
  message.set_model(QueryString(request, "model"));
  message.set_overlay_png(overlay);
  return query;
}

}  // namespace vit::server::http_api
