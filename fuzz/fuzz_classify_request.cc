// libFuzzer harness: arbitrary bytes as a serialized vit.v1.ClassifyRequest
// through the server's real request path without the network:
// VitServiceImpl::StartClassify (model name, size and top_k checks) -> the
// InferencePipeline (worker pool, batch scheduler) -> the real image
// preprocessing and the embedded default model via the server's adapters.
// Every parsed request must be answered exactly once, with a response that
// matches the request or a caller error (never INTERNAL).
#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <future>
#include <memory>
#include <string>

#include "fuzz/fuzz_check.h"
#include "rpc/status_mapping.h"
#include "server/inference_pipeline.h"
#include "server/model_adapters.h"
#include "server/vit_service.h"
#include "vit/v1/vit.pb.h"

namespace {

using vit::Status;
using vit::StatusCode;
using namespace vit::server;

struct Server {
  std::unique_ptr<ModelBackend> backend;
  std::unique_ptr<Preprocessor> preprocessor;
  std::unique_ptr<InferencePipeline> pipeline;
  std::unique_ptr<VitServiceImpl> service;
  Metrics metrics;
};

// The vit-server set-up (server_runner.cc) on the embedded default model, one
// thread per stage, with the pixel budget lowered so that no input can take
// seconds or gigabytes under ASan.
Server* StartServer() {
  static Server server;
  spdlog::set_level(spdlog::level::off);  // every rejected request logs a warning
  vit::EngineOptions engine;
  engine.dtype = "fp32";
  engine.threads = 1;
  auto backend = LoadEngineBackend(/*model_dir=*/"", engine);
  FUZZ_CHECK(backend.ok(), backend.status().ToString());
  server.backend = std::move(*backend);
  vit::preprocessing::PreprocessOptions preprocess;
  preprocess.max_pixels = 4'000'000;
  preprocess.max_image_bytes = size_t{1} << 20;
  auto preprocessor = MakeImagePreprocessor(server.backend->info().preprocess, preprocess);
  FUZZ_CHECK(preprocessor.ok(), preprocessor.status().ToString());
  server.preprocessor = std::move(*preprocessor);
  PipelineOptions options;
  options.preprocess_threads = 1;
  options.warmup_batches = 0;
  auto pipeline = InferencePipeline::Create(options, server.backend.get(),
                                            server.preprocessor.get(), &server.metrics);
  FUZZ_CHECK(pipeline.ok(), pipeline.status().ToString());
  server.pipeline = std::move(*pipeline);
  server.service = std::make_unique<VitServiceImpl>(ServiceOptions(), &server.metrics);
  server.service->SetPipeline(server.pipeline.get());
  return &server;
}

bool IsCallerError(StatusCode code) {
  return code == StatusCode::kInvalidArgument || code == StatusCode::kNotFound ||
         code == StatusCode::kUnimplemented;
}

void CheckResponse(const vit::v1::ClassifyRequest& request, const vit::ModelInfo& info,
                   const vit::v1::ClassifyResponse& response) {
  const int wanted = request.top_k() == 0 ? std::min(5, info.num_classes) : request.top_k();
  FUZZ_CHECK(response.predictions_size() == wanted, std::to_string(response.predictions_size()) +
                                                        " predictions for top_k " +
                                                        std::to_string(request.top_k()));
  FUZZ_CHECK(response.model_id() == info.id, "model_id " + response.model_id());
  float previous = 1.0f;
  for (const auto& prediction : response.predictions()) {
    FUZZ_CHECK(prediction.class_index() >= 0 && prediction.class_index() < info.num_classes,
               "class_index " + std::to_string(prediction.class_index()));
    FUZZ_CHECK(prediction.label() == info.labels[prediction.class_index()], "label");
    FUZZ_CHECK(std::isfinite(prediction.probability()) && prediction.probability() >= 0.0f &&
                   prediction.probability() <= previous + 1e-6f,
               "probabilities not sorted in [0, 1]");
    previous = prediction.probability();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Server* const server = StartServer();
  vit::v1::ClassifyRequest request;
  // Bytes that are no ClassifyRequest never reach the service: gRPC rejects them.
  if (!request.ParseFromArray(data, static_cast<int>(size))) return 0;

  vit::v1::ClassifyResponse response;
  auto calls = std::make_shared<std::atomic<int>>(0);
  auto answered = std::make_shared<std::promise<Status>>();
  std::future<Status> answer = answered->get_future();
  vit::server::VitServiceImpl::CallSource source;
  source.peer = "fuzz";
  server->service->StartClassify(std::move(source), request, /*owned_image=*/{}, &response,
                                 [calls, answered](const Status& status) {
                                   if (calls->fetch_add(1) == 0) answered->set_value(status);
                                 });
  FUZZ_CHECK(answer.wait_for(std::chrono::seconds(20)) == std::future_status::ready,
             "request not answered within 20 s");
  const Status status = answer.get();
  // The service's own accounting: nothing left in flight.
  FUZZ_CHECK(server->service->in_flight() == 0, "requests still in flight");
  FUZZ_CHECK(calls->load() == 1, "answered " + std::to_string(calls->load()) + " times");
  if (status.ok()) {
    CheckResponse(request, server->pipeline->model_info(), response);
  } else {
    FUZZ_CHECK(IsCallerError(status.code()) && !status.message().empty(),
               "not a caller error: " + status.ToString());
    const grpc::Status grpc_status = vit::rpc::ToGrpcStatus(status);
    FUZZ_CHECK(!grpc_status.ok(), "an error mapped to OK");
  }
  return 0;
}
