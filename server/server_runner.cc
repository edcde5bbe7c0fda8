#include "server/server_runner.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>
#include <signal.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <fstream>
#include <future>
#include <memory>
#include <sstream>
#include <string>
#include <thread>

#include "common/file_util.h"
#include "server/health.h"
#include "server/inference_pipeline.h"
#include "server/metrics.h"
#include "server/metrics_http_server.h"
#include "server/model_adapters.h"
#include "server/shutdown_signal.h"
#include "server/vit_service.h"

namespace vit::server {
namespace {

// Room for the fields around the image in a request, so that an image just
// over the limit gets our INVALID_ARGUMENT rather than gRPC's generic error.
constexpr int kMessageOverheadBytes = 64 << 10;

StatusOr<std::shared_ptr<grpc::ServerCredentials>> MakeCredentials(const ServerOptions& options) {
  if (options.tls_cert.empty()) return grpc::InsecureServerCredentials();
  StatusOr<std::string> cert = ReadFileToString(options.tls_cert);
  if (!cert.ok()) return cert.status();
  StatusOr<std::string> key = ReadFileToString(options.tls_key);
  if (!key.ok()) return key.status();
  grpc::SslServerCredentialsOptions ssl;
  ssl.pem_key_cert_pairs.push_back({*key, *cert});
  if (!options.tls_client_ca.empty()) {
    StatusOr<std::string> client_ca = ReadFileToString(options.tls_client_ca);
    if (!client_ca.ok()) return client_ca.status();
    ssl.pem_root_certs = *client_ca;
    ssl.client_certificate_request = GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY;
  }
  return grpc::SslServerCredentials(ssl);
}

PipelineOptions MakePipelineOptions(const ServerOptions& options) {
  PipelineOptions pipeline;
  pipeline.batching.max_batch_size = options.max_batch_size;
  pipeline.batching.max_queue_delay_microseconds = options.max_queue_delay_microseconds;
  pipeline.batching.max_queue_size = options.max_queue_size;
  pipeline.batching.preferred_batch_sizes = options.preferred_batch_sizes;
  pipeline.preprocess_threads = options.preprocess_threads;
  pipeline.warmup_batches = options.warmup_batches;
  return pipeline;
}

// The model and everything built on it; filled in after the server is up.
struct LoadedModel {
  std::unique_ptr<ModelBackend> backend;
  std::unique_ptr<Preprocessor> preprocessor;
  std::unique_ptr<InferencePipeline> pipeline;
};

Status LoadModel(const ServerOptions& options, Metrics* metrics, LoadedModel* model) {
  EngineOptions engine_options;
  engine_options.dtype = options.dtype;
  engine_options.threads = options.threads;
  StatusOr<std::unique_ptr<ModelBackend>> backend =
      LoadEngineBackend(options.model_dir, engine_options);
  if (!backend.ok()) return backend.status();
  model->backend = std::move(backend).value();

  preprocessing::PreprocessOptions preprocess_options;
  preprocess_options.max_pixels = options.max_pixels;
  preprocess_options.max_image_bytes = static_cast<size_t>(options.max_message_bytes);
  StatusOr<std::unique_ptr<Preprocessor>> preprocessor =
      MakeImagePreprocessor(model->backend->info().preprocess, preprocess_options);
  if (!preprocessor.ok()) return preprocessor.status();
  model->preprocessor = std::move(preprocessor).value();

  StatusOr<std::unique_ptr<InferencePipeline>> pipeline = InferencePipeline::Create(
      MakePipelineOptions(options), model->backend.get(), model->preprocessor.get(), metrics);
  if (!pipeline.ok()) return pipeline.status();
  model->pipeline = std::move(pipeline).value();
  return Status::Ok();
}

std::string JoinInts(const std::vector<int>& values) {
  std::string out;
  for (int v : values) out += (out.empty() ? "" : ",") + std::to_string(v);
  return out.empty() ? "none" : out;
}

std::string MetricsHost(const ServerOptions& options) {
  return options.metrics_host.empty() ? options.host : options.metrics_host;
}

const char* TransportName(const ServerOptions& options) {
  if (options.tls_cert.empty()) return "plaintext";
  return options.tls_client_ca.empty() ? "TLS" : "mutual TLS";
}

void LogStartupSummary(const ServerOptions& options, const ModelInfo& info, int port,
                       int metrics_port, int64_t load_ms, bool authenticated) {
  spdlog::info("model {} ({}) from {}: {}, {} classes, {} parameters, loaded in {} ms", info.id,
               info.source_format, info.path, info.architecture, info.num_classes,
               info.num_parameters, load_ms);
  spdlog::info("inference: dtype={} device={} threads={}; preprocessing: {} with {} threads",
               info.dtype, info.device, info.threads, info.preprocess.ToString(),
               options.preprocess_threads);
  spdlog::info(
      "batching: max_batch_size={} max_queue_delay_microseconds={} max_queue_size={} "
      "preferred_batch_sizes={} warmup_batches={}",
      options.max_batch_size, options.max_queue_delay_microseconds, options.max_queue_size,
      JoinInts(options.preferred_batch_sizes), options.warmup_batches);
  spdlog::info(
      "limits: max_in_flight_requests={} max_streams={} max_stream_in_flight={} "
      "default_deadline_ms={} max_message_bytes={} max_pixels={}",
      options.max_in_flight_requests, options.max_streams, options.max_stream_in_flight,
      options.default_deadline_ms, options.max_message_bytes, options.max_pixels);
  spdlog::info("serving on {}:{} ({}, {}), metrics {}", options.host, port, TransportName(options),
               authenticated ? "bearer token required" : "no authentication",
               metrics_port < 0 ? std::string("off")
                                : "on http://" + MetricsHost(options) + ":" +
                                      std::to_string(metrics_port) + "/metrics");
}

// Health NOT_SERVING, optional delay, then stop accepting and let in-flight
// work finish within the grace period; what is left after it is cancelled.
void Drain(const ServerOptions& options, int signal_number, grpc::Server* server,
           HealthStatus* health, VitServiceImpl* service, InferencePipeline* pipeline) {
  const auto start = std::chrono::steady_clock::now();
  const int64_t answered_before = service->answered();
  spdlog::info("received {}; health NOT_SERVING, draining {} in-flight request(s)",
               signal_number == SIGINT ? "SIGINT" : "SIGTERM", service->in_flight());
  health->SetShuttingDown();
  std::this_thread::sleep_for(std::chrono::milliseconds(options.shutdown_delay_ms));
  const auto deadline =
      std::chrono::system_clock::now() + std::chrono::milliseconds(options.grace_period_ms);
  // Server::Shutdown refuses new calls and returns once every call is
  // answered; the pipeline answers them, running queued work at once rather
  // than after its batching delay. Past the grace period it answers the rest
  // with UNAVAILABLE instead of computing them.
  std::future<void> shutdown =
      std::async(std::launch::async, [server, deadline] { server->Shutdown(deadline); });
  std::future<void> drain =
      std::async(std::launch::async, [pipeline] { pipeline->Stop(/*drain=*/true); });
  const bool cancelled = drain.wait_until(deadline) != std::future_status::ready;
  if (cancelled) pipeline->Stop(/*drain=*/false);
  drain.wait();
  shutdown.wait();
  const auto elapsed_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                              std::chrono::steady_clock::now() - start)
                              .count();
  spdlog::info("drained in {} ms: {} request(s) answered during shutdown, {} unanswered{}",
               elapsed_ms, service->answered() - answered_before, service->in_flight(),
               cancelled ? "; the grace period expired and the rest were cancelled" : "");
}

}  // namespace

int RunServer(const ServerOptions& options) {
  if (Status status = ValidateServerOptions(options); !status.ok()) {
    spdlog::error("{}", status.message());
    return 1;
  }
  // Waits for SIGTERM / SIGINT from the start, so one that arrives while the
  // model loads is acted on as soon as loading is over.
  // (A detached thread, not std::async: early returns must not wait for it.)
  auto signal_promise = std::make_shared<std::promise<int>>();
  std::future<int> signal = signal_promise->get_future();
  std::thread([signal_promise] { signal_promise->set_value(WaitForTerminationSignal()); }).detach();

  StatusOr<std::string> auth_token = LoadBearerToken(options.auth_token_file, "--auth-token-file");
  if (!auth_token.ok()) {
    spdlog::error("{}", auth_token.status().message());
    return 1;
  }
  Metrics metrics;
  ServiceOptions service_options;
  service_options.max_image_bytes = static_cast<size_t>(options.max_message_bytes);
  service_options.default_top_k = options.default_top_k;
  service_options.max_stream_in_flight = options.max_stream_in_flight;
  service_options.max_in_flight_requests = options.max_in_flight_requests;
  service_options.max_streams = options.max_streams;
  service_options.default_deadline_ms = options.default_deadline_ms;
  service_options.auth_token = *auth_token;
  VitServiceImpl service(service_options, &metrics);
  metrics.SetInFlightFn(
      [&service] { return std::make_pair(service.in_flight(), service.open_streams()); });

  StatusOr<std::shared_ptr<grpc::ServerCredentials>> credentials = MakeCredentials(options);
  if (!credentials.ok()) {
    spdlog::error("TLS: {}", credentials.status().message());
    return 1;
  }
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(options.host + ":" + std::to_string(options.port), *credentials, &port);
  builder.RegisterService(&service);
  builder.SetMaxReceiveMessageSize(static_cast<int>(options.max_message_bytes) +
                                   kMessageOverheadBytes);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    spdlog::error("cannot listen on {}:{}", options.host, options.port);
    return 1;
  }
  HealthStatus health(server->GetHealthCheckService());
  health.SetNotServing();

  MetricsHttpServer metrics_http(&metrics);
  int metrics_port = -1;
  if (options.metrics_port >= 0) {
    StatusOr<int> bound = metrics_http.Start(MetricsHost(options), options.metrics_port);
    if (!bound.ok()) {
      spdlog::error("{}", bound.status().message());
      server->Shutdown();
      return 1;
    }
    metrics_port = *bound;
  }
  spdlog::info("vit-server listening on {}:{}, metrics port {}; loading the model", options.host,
               port, metrics_port);

  const auto load_start = std::chrono::steady_clock::now();
  LoadedModel model;
  if (Status status = LoadModel(options, &metrics, &model); !status.ok()) {
    spdlog::error("cannot serve the model: {}", status.ToString());
    health.SetShuttingDown();
    server->Shutdown();
    return 1;
  }
  const int64_t load_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                              std::chrono::steady_clock::now() - load_start)
                              .count();
  InferencePipeline* pipeline = model.pipeline.get();
  metrics.SetModelInfo(pipeline->model_info());
  metrics.SetQueueDepthFn([pipeline] {
    return std::make_pair(pipeline->NumPreprocessQueued(), pipeline->NumBatchQueued());
  });
  service.SetPipeline(pipeline);
  health.SetServing();
  LogStartupSummary(options, pipeline->model_info(), port, metrics_port, load_ms,
                    !auth_token->empty());

  Drain(options, signal.get(), server.get(), &health, &service, pipeline);
  metrics_http.Stop();
  spdlog::info("vit-server stopped");
  return 0;
}

}  // namespace vit::server
