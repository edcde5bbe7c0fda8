#include "tools/vit-client/front_door.h"

namespace vit::client {

const char* ProtocolName(Protocol protocol) {
  switch (protocol) {
    case Protocol::kVit:
      return "vit";
    case Protocol::kOipGrpc:
      return "oip-grpc";
    case Protocol::kOipHttp:
      return "oip-http";
  }
  return "vit";
}

StatusOr<Protocol> ParseProtocol(const std::string& name) {
  for (Protocol p : {Protocol::kVit, Protocol::kOipGrpc, Protocol::kOipHttp}) {
    if (name == ProtocolName(p)) return p;
  }
  return InvalidArgumentError("--protocol: '" + name + "' is not one of vit, oip-grpc, oip-http");
}

const char* DefaultServerAddress(Protocol protocol) {
  return protocol == Protocol::kOipHttp ? "localhost:8000" : "localhost:50051";
}

grpc::StatusCode HttpStatusToGrpcCode(int http_status) {
  using grpc::StatusCode;
  if (http_status >= 200 && http_status < 300) return StatusCode::OK;
  switch (http_status) {
    case 400:
    case 413:
      return StatusCode::INVALID_ARGUMENT;
    case 401:
      return StatusCode::UNAUTHENTICATED;
    case 403:
      return StatusCode::PERMISSION_DENIED;
    case 404:
      return StatusCode::NOT_FOUND;
    case 408:
    case 504:
      return StatusCode::DEADLINE_EXCEEDED;
    case 409:
      return StatusCode::ALREADY_EXISTS;
    case 412:
      return StatusCode::FAILED_PRECONDITION;
    case 429:
      return StatusCode::RESOURCE_EXHAUSTED;
    case 499:
      return StatusCode::CANCELLED;
    case 501:
      return StatusCode::UNIMPLEMENTED;
    case 503:
      return StatusCode::UNAVAILABLE;
    default:
      break;
  }
  if (http_status >= 400 && http_status < 500) return StatusCode::INVALID_ARGUMENT;
  if (http_status >= 500 && http_status < 600) return StatusCode::INTERNAL;
  return StatusCode::UNKNOWN;
}

}  // namespace vit::client
