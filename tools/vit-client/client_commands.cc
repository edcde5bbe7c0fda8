#include "tools/vit-client/client_commands.h"

#include <google/protobuf/util/json_util.h>

#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <utility>

#include "common/file_util.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "vit/v1/vit.grpc.pb.h"

namespace vit::client {

namespace {

void PrintPredictions(const std::string& file, const v1::ClassifyResponse& response, bool json) {
  if (json) {
    nlohmann::json out = {{"file", file}, {"model_id", response.model_id()}};
    for (const v1::Prediction& p : response.predictions()) {
      out["predictions"].push_back({{"class_index", p.class_index()},
                                    {"label", p.label()},
                                    {"probability", p.probability()}});
    }
    const v1::Timings& t = response.timings();
    out["timings"] = {{"queue_us", t.queue_us()},
                      {"preprocess_us", t.preprocess_us()},
                      {"inference_us", t.inference_us()},
                      {"total_us", t.total_us()},
                      {"batch_size", t.batch_size()}};
    std::cout << out.dump() << "\n";
    return;
  }
  std::cout << file << "\n";
  for (int i = 0; i < response.predictions_size(); ++i) {
    const v1::Prediction& p = response.predictions(i);
    std::printf("  %d. %-24s class %-5d p=%.4f\n", i + 1, p.label().c_str(), p.class_index(),
                p.probability());
  }
  std::fflush(stdout);
}

}  // namespace

int RunClassify(const rpc::ConnectionOptions& connection, const ClassifyOptions& options,
                const std::vector<std::string>& files) {
  auto stub = v1::VitService::NewStub(rpc::Connect(connection));
  int failures = 0;
  for (const std::string& file : files) {
    StatusOr<std::string> image = ReadFileToString(file);
    if (!image.ok()) {
      std::cerr << image.status().message() << "\n";
      ++failures;
      continue;
    }
    v1::ClassifyRequest request;
    request.set_image(std::move(image).value());
    request.set_top_k(options.top_k);
    request.set_model(options.model);
    grpc::ClientContext context;
    rpc::PrepareContext(connection, &context);
    v1::ClassifyResponse response;
    const grpc::Status status = stub->Classify(&context, request, &response);
    if (!status.ok()) {
      std::cerr << file << ": error " << status.error_code() << ": " << status.error_message()
                << "\n";
      ++failures;
      continue;
    }
    PrintPredictions(file, response, options.json);
  }
  return failures == 0 ? 0 : 2;
}

int RunHealth(const rpc::ConnectionOptions& connection) {
  auto stub = grpc::health::v1::Health::NewStub(rpc::Connect(connection));
  grpc::ClientContext context;
  rpc::PrepareContext(connection, &context);
  grpc::health::v1::HealthCheckRequest request;
  grpc::health::v1::HealthCheckResponse response;
  const grpc::Status status = stub->Check(&context, request, &response);
  if (!status.ok()) {
    std::cout << "UNREACHABLE (" << status.error_code() << ": " << status.error_message() << ")\n";
    return 2;
  }
  std::cout << grpc::health::v1::HealthCheckResponse::ServingStatus_Name(response.status()) << "\n";
  return response.status() == grpc::health::v1::HealthCheckResponse::SERVING ? 0 : 2;
}

int RunInfo(const rpc::ConnectionOptions& connection, bool json) {
  auto stub = v1::VitService::NewStub(rpc::Connect(connection));
  grpc::ClientContext context;
  rpc::PrepareContext(connection, &context);
  v1::ModelInfo info;
  const grpc::Status status = stub->GetModelInfo(&context, v1::GetModelInfoRequest(), &info);
  if (!status.ok()) {
    std::cerr << "error " << status.error_code() << ": " << status.error_message() << "\n";
    return 2;
  }
  if (json) {
    std::string out;
    google::protobuf::util::JsonPrintOptions print;
    print.add_whitespace = true;
    print.preserve_proto_field_names = true;
    print.always_print_primitive_fields = true;
    (void)google::protobuf::util::MessageToJsonString(info, &out, print);
    std::cout << out;
    return 0;
  }
  const v1::Preprocessing& pre = info.preprocessing();
  const v1::Batching& batching = info.batching();
  std::printf("model        %s (%s)\n", info.id().c_str(), info.source_format().c_str());
  std::printf("architecture %s, %lld parameters\n", info.architecture().c_str(),
              static_cast<long long>(info.num_parameters()));
  std::printf("classes      %d, features %d\n", info.num_classes(), info.feature_dim());
  std::printf("input        %dx%d, %d channels, patch %d, resize %s (%d), %s\n", pre.input_height(),
              pre.input_width(), pre.channels(), pre.patch_size(), pre.resize_mode().c_str(),
              pre.resize_shorter_side(), pre.interpolation().c_str());
  std::printf("runtime      %s on %s, %s engine, %d threads\n", info.dtype().c_str(),
              info.device().c_str(), info.backend().c_str(), info.threads());
  std::printf("batching     max %d, delay %lld us, queue %d, %d preprocess threads\n",
              batching.max_batch_size(),
              static_cast<long long>(batching.max_queue_delay_microseconds()),
              batching.max_queue_size(), batching.preprocess_threads());
  return 0;
}

}  // namespace vit::client
