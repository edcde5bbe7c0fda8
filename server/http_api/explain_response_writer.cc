#include "server/http_api/explain_response_writer.h"

#include "server/http_api/proto_json.h"

namespace vit::server::http_api {

http::HttpResponse WriteExplainResponse(const v1::ExplainResponse& response, ExplainFormat format) {
  if (format == ExplainFormat::kJson) return ProtoJsonResponse(response);
  if (response.overlay_png().empty()) {
    return StatusErrorResponse(InternalError("the explanation came without its overlay PNG"));
  }
  http::HttpResponse png;
  png.content_type = "image/png";
  png.body = response.overlay_png();
  return png;
}

}  // namespace vit::server::http_api
