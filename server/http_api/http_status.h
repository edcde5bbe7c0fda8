// The HTTP status of an error, as Triton's HTTP front end chooses it
// (src/http_server.cc, HttpCodeFromError): INVALID_ARGUMENT and the other
// caller errors 400, NOT_FOUND 404, UNAVAILABLE 503, UNIMPLEMENTED 501,
// INTERNAL 500. Triton has no code for a full queue or a passed deadline: it
// reports both as UNAVAILABLE, so RESOURCE_EXHAUSTED and DEADLINE_EXCEEDED
// are 503 here too (retryable, unlike the 4xx). UNAUTHENTICATED is 401.
#pragma once

#include "common/status.h"

namespace vit::server::http_api {

int HttpStatusFor(StatusCode code);

}  // namespace vit::server::http_api
