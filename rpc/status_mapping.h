// vit::Status <-> gRPC status translation (the codes map one-to-one), and
// the names of gRPC codes, for the server, vit-client and vit-score.
#pragma once

#include <grpcpp/support/status.h>

#include "common/status.h"

namespace vit::rpc {

grpc::StatusCode ToGrpcCode(StatusCode code);
grpc::Status ToGrpcStatus(const Status& status);
/// gRPC codes without a vit::StatusCode of their own (PERMISSION_DENIED,
/// ...) map to kInternal; keep GrpcCodeName() in messages.
StatusCode FromGrpcCode(grpc::StatusCode code);

/// The gRPC name of `code`, e.g. "RESOURCE_EXHAUSTED".
const char* GrpcCodeName(grpc::StatusCode code);

}  // namespace vit::rpc
