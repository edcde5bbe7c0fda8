#include "server/http_api/proto_json.h"

#include <google/protobuf/util/json_util.h>

#include "server/http_api/http_status.h"

namespace vit::server::http_api {

http::HttpResponse ProtoJsonResponse(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = true;
  http::HttpResponse response;
  if (!google::protobuf::util::MessageToJsonString(message, &response.body, options).ok()) {
    return StatusErrorResponse(InternalError("cannot write the response as JSON"));
  }
  return response;
}

http::HttpResponse StatusErrorResponse(const Status& status) {
  return http::JsonErrorResponse(HttpStatusFor(status.code()), status.message());
}

}  // namespace vit::server::http_api
