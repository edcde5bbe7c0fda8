#include "tools/vit-client/oip_grpc_client.h"

#include <google/protobuf/util/json_util.h>

#include <utility>

#include "rpc/status_mapping.h"
#include "tools/vit-client/oip_grpc_codec.h"
#include "tools/vit-client/oip_wire.h"

namespace vit::client {
namespace {

nlohmann::json ToJson(const google::protobuf::Message& message) {
  std::string json;
  google::protobuf::util::JsonPrintOptions print;
  print.preserve_proto_field_names = true;  // the REST documents' names
  (void)google::protobuf::util::MessageToJsonString(message, &json, print);
  return nlohmann::json::parse(json);
}

const char* YesNo(bool value) { return value ? "true" : "false"; }

}  // namespace

OipGrpcFrontDoor::OipGrpcFrontDoor(const rpc::ConnectionOptions& connection,
                                   std::shared_ptr<grpc::Channel> channel, std::string model)
    : connection_(connection),
      stub_(inference::GRPCInferenceService::NewStub(channel)),
      model_(std::move(model)) {}

template <typename Request, typename Response>
grpc::Status OipGrpcFrontDoor::Call(grpc::Status (Stub::*method)(grpc::ClientContext*,
                                                                 const Request&, Response*),
                                    const Request& request, Response* response) {
  grpc::ClientContext context;
  rpc::PrepareContext(connection_, &context);
  return (stub_.get()->*method)(&context, request, response);
}

grpc::Status OipGrpcFrontDoor::Classify(const std::string& image, int top_k,
                                        ClassifyResult* result) {
  inference::ModelInferResponse response;
  grpc::Status status =
      Call(&Stub::ModelInfer, oip::BuildClassifyRequest(model_, image, top_k), &response);
  if (!status.ok()) return status;
  StatusOr<ClassifyResult> parsed = oip::ParseClassifyResponse(response);
  if (!parsed.ok()) return rpc::ToGrpcStatus(parsed.status());
  *result = std::move(parsed).value();
  return status;
}

grpc::Status OipGrpcFrontDoor::Health(HealthResult* result) {
  inference::ServerLiveResponse live;
  if (grpc::Status s = Call(&Stub::ServerLive, {}, &live); !s.ok()) return s;
  inference::ServerReadyResponse ready;
  if (grpc::Status s = Call(&Stub::ServerReady, {}, &ready); !s.ok()) return s;
  result->serving = live.live() && ready.ready();
  std::string detail =
      std::string("live ") + YesNo(live.live()) + ", ready " + YesNo(ready.ready());
  if (!model_.empty()) {
    inference::ModelReadyRequest request;
    request.set_name(model_);
    inference::ModelReadyResponse model_ready;
    if (grpc::Status s = Call(&Stub::ModelReady, request, &model_ready); !s.ok()) return s;
    result->serving = result->serving && model_ready.ready();
    detail += ", model " + model_ + " ready " + YesNo(model_ready.ready());
  }
  result->text = std::string(result->serving ? "SERVING" : "NOT_SERVING") + " (" + detail + ")";
  return grpc::Status::OK;
}

grpc::Status OipGrpcFrontDoor::Info(InfoResult* result) {
  inference::ServerMetadataResponse server;
  if (grpc::Status s = Call(&Stub::ServerMetadata, {}, &server); !s.ok()) return s;
  inference::ModelMetadataRequest metadata_request;
  metadata_request.set_name(model_);
  inference::ModelMetadataResponse metadata;
  if (grpc::Status s = Call(&Stub::ModelMetadata, metadata_request, &metadata); !s.ok()) return s;
  inference::ModelConfigRequest config_request;
  config_request.set_name(model_);
  inference::ModelConfigResponse config;
  if (grpc::Status s = Call(&Stub::ModelConfig, config_request, &config); !s.ok()) return s;
  result->json = {{"server", ToJson(server)},
                  {"metadata", ToJson(metadata)},
                  {"config", ToJson(config.config())}};
  result->text = oip::InfoText(result->json);
  return grpc::Status::OK;
}

grpc::Status OipGrpcFrontDoor::DiscoverModel(std::string* name) {
  inference::ModelStatisticsResponse response;  // no name: every model's
  grpc::Status status = Call(&Stub::ModelStatistics, {}, &response);
  if (!status.ok()) return status;
  StatusOr<std::string> only = oip::OnlyModel(oip::StatisticsModelNames(response));
  if (!only.ok()) return rpc::ToGrpcStatus(only.status());
  *name = std::move(only).value();
  return status;
}

grpc::Status OipGrpcFrontDoor::ListModels(bool ready_only, std::vector<ModelRow>* rows) {
  inference::RepositoryIndexRequest request;
  request.set_ready(ready_only);
  inference::RepositoryIndexResponse response;
  grpc::Status status = Call(&Stub::RepositoryIndex, request, &response);
  if (status.ok()) *rows = RowsFromRepositoryIndex(response);
  return status;
}

grpc::Status OipGrpcFrontDoor::LoadModel(const std::string& name) {
  inference::RepositoryModelLoadRequest request;
  request.set_model_name(name);
  inference::RepositoryModelLoadResponse response;
  return Call(&Stub::RepositoryModelLoad, request, &response);
}

grpc::Status OipGrpcFrontDoor::UnloadModel(const std::string& name) {
  inference::RepositoryModelUnloadRequest request;
  request.set_model_name(name);
  inference::RepositoryModelUnloadResponse response;
  return Call(&Stub::RepositoryModelUnload, request, &response);
}

}  // namespace vit::client
