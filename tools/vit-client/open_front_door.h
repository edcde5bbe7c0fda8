// Which front door vit-client talks to (--protocol, --model), and opening it.
#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "common/status.h"
#include "rpc/channel.h"
#include "tools/vit-client/front_door.h"

namespace vit::client {

struct FrontDoorOptions {
  /// The protocol: vit.v1, OIP over gRPC or OIP over HTTP. Default kVit.
  Protocol protocol = Protocol::kVit;
  /// The model every request names. "" = the served model: vit.v1 sends ""
  /// (the server's default); OIP names the model in every request, so
  /// ResolveModelName asks the server for it. Default "".
  std::string model;
};

/// The door of options.protocol. The gRPC protocols use `channel` (nullptr =
/// a new rpc::Connect(connection)); oip-http opens its own keep-alive
/// connection. `connection` must outlive the door. INVALID_ARGUMENT for an
/// --server that oip-http cannot use.
StatusOr<std::unique_ptr<FrontDoor>> OpenFrontDoor(
    const FrontDoorOptions& options, const rpc::ConnectionOptions& connection,
    std::shared_ptr<grpc::Channel> channel = nullptr);

/// For OIP without a model name: the server's only model (DiscoverModel:
/// Triton's statistics of every model) goes into options->model; the
/// error says to pass --model when the server lists several or cannot be
/// asked. vit.v1 needs no name: OK without a call.
grpc::Status ResolveModelName(const rpc::ConnectionOptions& connection, FrontDoorOptions* options);

}  // namespace vit::client
