// The Open Inference Protocol over gRPC front door
// (inference.GRPCInferenceService, on the same port as vit.v1).
#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <vector>

#include "inference/grpc_service.grpc.pb.h"
#include "rpc/channel.h"
#include "tools/vit-client/front_door.h"

namespace vit::client {

class OipGrpcFrontDoor final : public FrontDoor {
 public:
  /// `model`: the name every model RPC carries; "" only for Health (server
  /// checks only) and DiscoverModel.
  OipGrpcFrontDoor(const rpc::ConnectionOptions& connection, std::shared_ptr<grpc::Channel> channel,
                   std::string model);

  /// ModelInfer (oip::BuildClassifyRequest).
  grpc::Status Classify(const std::string& image, int top_k, ClassifyResult* result) override;
  /// ServerLive, ServerReady and, with a model, ModelReady.
  grpc::Status Health(HealthResult* result) override;
  /// ServerMetadata, ModelMetadata and ModelConfig.
  grpc::Status Info(InfoResult* result) override;
  /// ModelStatistics with no name: every model's.
  grpc::Status DiscoverModel(std::string* name) override;
  grpc::Status ListModels(bool ready_only, std::vector<ModelRow>* rows) override;
  grpc::Status LoadModel(const std::string& name) override;
  grpc::Status UnloadModel(const std::string& name) override;

 private:
  using Stub = inference::GRPCInferenceService::Stub;
  /// One unary call with the deadline and token of `connection_`.
  template <typename Request, typename Response>
  grpc::Status Call(grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, Response*),
                    const Request& request, Response* response);

  const rpc::ConnectionOptions& connection_;
  std::unique_ptr<inference::GRPCInferenceService::Stub> stub_;
  std::string model_;
};

}  // namespace vit::client
