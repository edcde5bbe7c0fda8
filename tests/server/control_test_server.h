// The server's three front doors in process on 127.0.0.1 over the fake model
// and a FakeModelControl: vit.v1 and the Open Inference Protocol on one gRPC
// port, the HTTP API (one I/O thread, so that a handler that blocked it
// would stall every other request) on another. For the model control tests.
#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <utility>

#include "server/http/http_server.h"
#include "server/http_api/http_api_handler.h"
#include "server/inference_pipeline.h"
#include "server/metrics.h"
#include "server/oip/grpc_inference_service.h"
#include "server/serving_context.h"
#include "server/vit_service.h"
#include "tests/server/fake_model.h"
#include "tests/server/fake_model_control.h"

namespace vit::server::testing {

class ControlTestServer {
 public:
  /// `with_control` false: a server with no model repository.
  explicit ControlTestServer(ServiceOptions options = {}, bool with_control = true) {
    serving_ = std::make_unique<ServingContext>(options, &metrics_);
    if (with_control) serving_->SetModelControl(&control_);
    vit_ = std::make_unique<VitServiceImpl>(serving_.get());
    oip_ = std::make_unique<oip::GrpcInferenceServiceImpl>(serving_.get());
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &grpc_port_);
    builder.RegisterService(vit_.get());
    builder.RegisterService(oip_.get());
    grpc_ = builder.BuildAndStart();
    PipelineOptions pipeline_options;
    pipeline_options.batching.max_batch_size = 4;
    pipeline_options.batching.max_queue_delay_microseconds = 1000;
    pipeline_options.warmup_batches = 0;
    auto pipeline =
        InferencePipeline::Create(pipeline_options, &backend_, &preprocessor_, &metrics_);
    if (pipeline.ok()) {
      pipeline_ = std::move(pipeline).value();
      serving_->SetPipeline(pipeline_.get());
    }
    handler_ = std::make_unique<http_api::HttpApiHandler>(vit_.get());
    http::HttpServerOptions http_options;
    http_options.host = "127.0.0.1";
    http_options.port = 0;
    http_options.io_threads = 1;
    auto http_server = http::HttpServer::Start(http_options, handler_.get());
    if (http_server.ok()) http_ = std::move(http_server).value();
  }
  ~ControlTestServer() { Stop(); }

  /// Whether both servers and the pipeline came up.
  bool ok() const { return grpc_ != nullptr && grpc_port_ != 0 && http_ != nullptr && pipeline_; }

  /// Releases the fake (a blocked load would hold gRPC's shutdown), then
  /// stops the front doors, the control threads and the pipeline, in the
  /// server runner's order.
  void Stop() {
    control_.Release();
    if (grpc_) grpc_->Shutdown();
    if (http_) http_->Stop();
    serving_->StopModelControl();
    if (pipeline_) pipeline_->Stop(/*drain=*/true);
  }

  std::string grpc_address() const { return "127.0.0.1:" + std::to_string(grpc_port_); }
  std::string http_address() const { return "127.0.0.1:" + std::to_string(http_->port()); }
  std::shared_ptr<grpc::Channel> Channel() const {
    return grpc::CreateChannel(grpc_address(), grpc::InsecureChannelCredentials());
  }
  FakeModelControl& control() { return control_; }
  ServingContext& serving() { return *serving_; }
  Metrics& metrics() { return metrics_; }

 private:
  // Declared first: outlives the control threads that call it.
  FakeModelControl control_;
  FakeBackend backend_;
  FakePreprocessor preprocessor_;
  Metrics metrics_;
  std::unique_ptr<ServingContext> serving_;
  std::unique_ptr<VitServiceImpl> vit_;
  std::unique_ptr<oip::GrpcInferenceServiceImpl> oip_;
  int grpc_port_ = 0;
  std::unique_ptr<grpc::Server> grpc_;
  std::unique_ptr<InferencePipeline> pipeline_;
  std::unique_ptr<http_api::HttpApiHandler> handler_;
  std::unique_ptr<http::HttpServer> http_;
};

}  // namespace vit::server::testing
