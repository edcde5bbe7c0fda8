#include "tools/vit-client/client_commands.h"

#include <google/protobuf/util/json_util.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "common/text.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "vit/v1/vit.grpc.pb.h"

namespace vit::client {

bool ReadFileBytes(const std::string& path, std::string* bytes) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return false;
  std::ostringstream contents;
  contents << file.rdbuf();
  *bytes = contents.str();
  return true;
}

namespace {

Status ReadNonEmpty(const std::string& flag, const std::string& path, std::string* contents) {
  if (path.empty()) return Status::Ok();
  if (!ReadFileBytes(path, contents)) return InvalidArgumentError(flag + ": cannot read " + path);
  if (TrimWhitespace(*contents).empty())
    return InvalidArgumentError(flag + ": " + path + " is empty");
  return Status::Ok();
}

}  // namespace

Status LoadConnectionFiles(ConnectionOptions* o) {
  if (o->tls_cert.empty() != o->tls_key.empty())
    return InvalidArgumentError("--tls-cert and --tls-key go together");
  VIT_RETURN_IF_ERROR(ReadNonEmpty("--tls-ca", o->tls_ca, &o->tls_ca_pem));
  VIT_RETURN_IF_ERROR(ReadNonEmpty("--tls-cert", o->tls_cert, &o->tls_cert_pem));
  VIT_RETURN_IF_ERROR(ReadNonEmpty("--tls-key", o->tls_key, &o->tls_key_pem));
  if (!o->tls_ca.empty() || !o->tls_cert.empty()) o->tls = true;
  if (!o->token_file.empty()) {
    VIT_RETURN_IF_ERROR(ReadNonEmpty("--token-file", o->token_file, &o->token));
    o->token = TrimWhitespace(o->token);
  } else if (const char* env = std::getenv("VIT_AUTH_TOKEN")) {
    o->token = TrimWhitespace(env);
  }
  return Status::Ok();
}

std::shared_ptr<grpc::Channel> Connect(const ConnectionOptions& options, int connection_id) {
  std::shared_ptr<grpc::ChannelCredentials> credentials = grpc::InsecureChannelCredentials();
  if (options.tls) {
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = options.tls_ca_pem;
    ssl.pem_cert_chain = options.tls_cert_pem;
    ssl.pem_private_key = options.tls_key_pem;
    credentials = grpc::SslCredentials(ssl);
  }
  grpc::ChannelArguments arguments;
  arguments.SetMaxSendMessageSize(options.max_message_bytes);
  arguments.SetMaxReceiveMessageSize(options.max_message_bytes);
  arguments.SetInt("vit.connection_id", connection_id);
  return grpc::CreateCustomChannel(options.server, credentials, arguments);
}

void PrepareContext(const ConnectionOptions& options, grpc::ClientContext* context) {
  if (options.timeout_ms > 0) {
    context->set_deadline(std::chrono::system_clock::now() +
                          std::chrono::milliseconds(options.timeout_ms));
  }
  // Added as plain metadata rather than call credentials, which gRPC sends
  // over TLS only: a token on a plaintext loopback connection is allowed.
  if (!options.token.empty()) context->AddMetadata("authorization", "Bearer " + options.token);
}

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

int RunClassify(const ConnectionOptions& connection, const ClassifyOptions& options,
                const std::vector<std::string>& files) {
  auto stub = v1::VitService::NewStub(Connect(connection));
  int failures = 0;
  for (const std::string& file : files) {
    v1::ClassifyRequest request;
    if (!ReadFileBytes(file, request.mutable_image())) {
      std::cerr << file << ": cannot read\n";
      ++failures;
      continue;
    }
    request.set_top_k(options.top_k);
    request.set_model(options.model);
    grpc::ClientContext context;
    PrepareContext(connection, &context);
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

int RunHealth(const ConnectionOptions& connection) {
  auto stub = grpc::health::v1::Health::NewStub(Connect(connection));
  grpc::ClientContext context;
  PrepareContext(connection, &context);
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

int RunInfo(const ConnectionOptions& connection, bool json) {
  auto stub = v1::VitService::NewStub(Connect(connection));
  grpc::ClientContext context;
  PrepareContext(connection, &context);
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
  std::printf("runtime      %s on %s, %d threads\n", info.dtype().c_str(), info.device().c_str(),
              info.threads());
  std::printf("batching     max %d, delay %lld us, queue %d, %d preprocess threads\n",
              batching.max_batch_size(),
              static_cast<long long>(batching.max_queue_delay_microseconds()),
              batching.max_queue_size(), batching.preprocess_threads());
  return 0;
}

}  // namespace vit::client
