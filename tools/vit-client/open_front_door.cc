#include "tools/vit-client/open_front_door.h"

#include "tools/vit-client/oip_grpc_client.h"
#include "tools/vit-client/oip_http_client.h"
#include "tools/vit-client/vit_front_door.h"

namespace vit::client {

StatusOr<std::unique_ptr<FrontDoor>> OpenFrontDoor(const FrontDoorOptions& options,
                                                   const rpc::ConnectionOptions& connection,
                                                   std::shared_ptr<grpc::Channel> channel) {
  if (options.protocol == Protocol::kOipHttp) {
    VIT_ASSIGN_OR_RETURN(std::unique_ptr<OipHttpFrontDoor> door,
                         OipHttpFrontDoor::Create(connection, options.model));
    return std::unique_ptr<FrontDoor>(std::move(door));
  }
  if (channel == nullptr) channel = rpc::Connect(connection);
  if (options.protocol == Protocol::kOipGrpc)
    return std::unique_ptr<FrontDoor>(new OipGrpcFrontDoor(connection, channel, options.model));
  return std::unique_ptr<FrontDoor>(new VitFrontDoor(connection, channel, options.model));
}

grpc::Status ResolveModelName(const rpc::ConnectionOptions& connection, FrontDoorOptions* options) {
  if (options->protocol == Protocol::kVit || !options->model.empty()) return grpc::Status::OK;
  StatusOr<std::unique_ptr<FrontDoor>> door = OpenFrontDoor(*options, connection);
  if (!door.ok()) return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, door.status().message());
  std::string name;
  grpc::Status status = (*door)->DiscoverModel(&name);
  if (!status.ok()) {
    const std::string hint = status.error_code() == grpc::StatusCode::NOT_FOUND
                                 ? ""
                                 : " (asked for the model's name: pass --model NAME)";
    return grpc::Status(status.error_code(), status.error_message() + hint);
  }
  options->model = name;
  return status;
}

}  // namespace vit::client
