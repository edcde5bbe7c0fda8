// The vit.v1 front door: VitService.Classify / GetModelInfo and the standard
// grpc.health.v1 check, on one gRPC channel.
#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <vector>

#include "grpc/health/v1/health.grpc.pb.h"
#include "rpc/channel.h"
#include "tools/vit-client/front_door.h"
#include "tools/vit-client/oip_grpc_client.h"
#include "vit/v1/vit.grpc.pb.h"

namespace vit::client {

/// vit.v1's Classify response as the front doors' common result.
ClassifyResult FromClassifyResponse(const v1::ClassifyResponse& response);
/// GetModelInfo's answer for people: model, architecture, input, runtime, batching.
std::string ModelInfoText(const v1::ModelInfo& info);

class VitFrontDoor final : public FrontDoor {
 public:
  /// `model` "" = the served model.
  VitFrontDoor(const rpc::ConnectionOptions& connection, std::shared_ptr<grpc::Channel> channel,
               std::string model);

  grpc::Status Classify(const std::string& image, int top_k, ClassifyResult* result) override;
  grpc::Status Health(HealthResult* result) override;
  grpc::Status Info(InfoResult* result) override;
  /// GetModelInfo's id.
  grpc::Status DiscoverModel(std::string* name) override;
  /// ListModels.
  grpc::Status ListModels(bool ready_only, std::vector<ModelRow>* rows) override;
  /// The OIP's RepositoryModelLoad / Unload on the same channel.
  grpc::Status LoadModel(const std::string& name) override;
  grpc::Status UnloadModel(const std::string& name) override;

 private:
  const rpc::ConnectionOptions& connection_;
  std::unique_ptr<v1::VitService::Stub> stub_;
  std::unique_ptr<grpc::health::v1::Health::Stub> health_;
  OipGrpcFrontDoor oip_;  // load and unload
  std::string model_;
};

}  // namespace vit::client
