// vit::Status <-> gRPC status translation (the codes map one-to-one).
#pragma once

#include <grpcpp/support/status.h>

#include "common/status.h"

namespace vit::server {

grpc::StatusCode ToGrpcCode(StatusCode code);
grpc::Status ToGrpcStatus(const Status& status);
StatusCode FromGrpcCode(grpc::StatusCode code);

}  // namespace vit::server
