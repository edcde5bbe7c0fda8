#include "tools/vit-client/vit_front_door.h"

#include <google/protobuf/util/json_util.h>

#include <cstdio>
#include <utility>

namespace vit::client {

ClassifyResult FromClassifyResponse(const v1::ClassifyResponse& response) {
  ClassifyResult result;
  result.model_id = response.model_id();
  for (const v1::Prediction& p : response.predictions())
    result.predictions.push_back({p.class_index(), p.label(), p.probability()});
  const v1::Timings& t = response.timings();
  result.timings = ClassifyTimings{t.queue_us(), t.preprocess_us(), t.inference_us(), t.total_us(),
                                   t.batch_size()};
  return result;
}

std::string ModelInfoText(const v1::ModelInfo& info) {
  const v1::Preprocessing& pre = info.preprocessing();
  const v1::Batching& batching = info.batching();
  char buffer[1024];
  std::string out;
  std::snprintf(buffer, sizeof(buffer), "model        %s (%s)\n", info.id().c_str(),
                info.source_format().c_str());
  out += buffer;
  std::snprintf(buffer, sizeof(buffer), "architecture %s, %lld parameters\n",
                info.architecture().c_str(), static_cast<long long>(info.num_parameters()));
  out += buffer;
  std::snprintf(buffer, sizeof(buffer), "classes      %d, features %d\n", info.num_classes(),
                info.feature_dim());
  out += buffer;
  std::snprintf(buffer, sizeof(buffer),
                "input        %dx%d, %d channels, patch %d, resize %s (%d), %s\n",
                pre.input_height(), pre.input_width(), pre.channels(), pre.patch_size(),
                pre.resize_mode().c_str(), pre.resize_shorter_side(), pre.interpolation().c_str());
  out += buffer;
  std::snprintf(buffer, sizeof(buffer), "runtime      %s on %s, %s engine, %d threads\n",
                info.dtype().c_str(), info.device().c_str(), info.backend().c_str(),
                info.threads());
  out += buffer;
  std::snprintf(buffer, sizeof(buffer),
                "batching     max %d, delay %lld us, queue %d, %d preprocess threads\n",
                batching.max_batch_size(),
                static_cast<long long>(batching.max_queue_delay_microseconds()),
                batching.max_queue_size(), batching.preprocess_threads());
  out += buffer;
  return out;
}

VitFrontDoor::VitFrontDoor(const rpc::ConnectionOptions& connection,
                           std::shared_ptr<grpc::Channel> channel, std::string model)
    : connection_(connection),
      stub_(v1::VitService::NewStub(channel)),
      health_(grpc::health::v1::Health::NewStub(channel)),
      oip_(connection, channel, model),
      model_(std::move(model)) {}

grpc::Status VitFrontDoor::Classify(const std::string& image, int top_k, ClassifyResult* result) {
  v1::ClassifyRequest request;
  request.set_image(image);
  request.set_top_k(top_k);
  request.set_model(model_);
  grpc::ClientContext context;
  rpc::PrepareContext(connection_, &context);
  v1::ClassifyResponse response;
  grpc::Status status = stub_->Classify(&context, request, &response);
  if (status.ok()) *result = FromClassifyResponse(response);
  return status;
}

grpc::Status VitFrontDoor::Health(HealthResult* result) {
  grpc::ClientContext context;
  rpc::PrepareContext(connection_, &context);
  grpc::health::v1::HealthCheckResponse response;
  grpc::Status status = health_->Check(&context, grpc::health::v1::HealthCheckRequest(), &response);
  if (!status.ok()) return status;
  result->serving = response.status() == grpc::health::v1::HealthCheckResponse::SERVING;
  result->text = grpc::health::v1::HealthCheckResponse::ServingStatus_Name(response.status());
  return status;
}

grpc::Status VitFrontDoor::Info(InfoResult* result) {
  grpc::ClientContext context;
  rpc::PrepareContext(connection_, &context);
  v1::GetModelInfoRequest request;
  request.set_model(model_);
  v1::ModelInfo info;
  grpc::Status status = stub_->GetModelInfo(&context, request, &info);
  if (!status.ok()) return status;
  std::string json;
  google::protobuf::util::JsonPrintOptions print;
  print.preserve_proto_field_names = true;
  print.always_print_primitive_fields = true;
  (void)google::protobuf::util::MessageToJsonString(info, &json, print);
  result->json = nlohmann::json::parse(json);
  result->text = ModelInfoText(info);
  return status;
}

grpc::Status VitFrontDoor::DiscoverModel(std::string* name) {
  InfoResult info;
  grpc::Status status = Info(&info);
  if (status.ok()) *name = info.json.value("id", "");
  return status;
}

grpc::Status VitFrontDoor::ListModels(bool ready_only, std::vector<ModelRow>* rows) {
  grpc::ClientContext context;
  rpc::PrepareContext(connection_, &context);
  v1::ListModelsRequest request;
  request.set_ready_only(ready_only);
  v1::ListModelsResponse response;
  grpc::Status status = stub_->ListModels(&context, request, &response);
  if (status.ok()) *rows = RowsFromListModels(response);
  return status;
}

grpc::Status VitFrontDoor::LoadModel(const std::string& name) { return oip_.LoadModel(name); }

grpc::Status VitFrontDoor::UnloadModel(const std::string& name) { return oip_.UnloadModel(name); }

}  // namespace vit::client
