// The /v1 endpoints' response bodies: a vit.v1 message as protobuf's JSON
// mapping (the .proto's field names, zero values printed, bytes as base64),
// and a Status as the {"error": "..."} shape with its HTTP status.
#pragma once

#include <google/protobuf/message.h>

#include "common/status.h"
#include "server/http/http_message.h"

namespace vit::server::http_api {

/// 200 with `message` as JSON; 500 in the error shape if it cannot be written.
http::HttpResponse ProtoJsonResponse(const google::protobuf::Message& message);

/// HttpStatusFor(status.code()) with {"error": status.message()}.
http::HttpResponse StatusErrorResponse(const Status& status);

}  // namespace vit::server::http_api
