#include "server/server_runner.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>
#include <signal.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <thread>

#include "common/file_util.h"
#include "server/engine_model_loader.h"
#include "server/health.h"
#include "server/http/http_server.h"
#include "server/http_api/http_api_handler.h"
#include "server/inference_pipeline.h"
#include "server/metrics.h"
#include "server/metrics_http_server.h"
#include "server/model_adapters.h"
#include "server/model_manager.h"
#include "server/oip/grpc_inference_service.h"
#include "server/repository_watcher.h"
#include "server/shutdown_signal.h"
#include "server/vit_service.h"

namespace vit::server {
namespace {

// Room for the fields around the image in a request, so that an image just
// over the limit gets our INVALID_ARGUMENT rather than gRPC's generic error.
constexpr int kMessageOverheadBytes = 64 << 10;

using MonotonicClock = std::chrono::steady_clock;

int64_t MillisecondsSince(MonotonicClock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(MonotonicClock::now() - start)
      .count();
}

StatusOr<std::shared_ptr<grpc::ServerCredentials>> MakeCredentials(const SecurityOptions& options) {
  if (options.tls_cert.empty()) return grpc::InsecureServerCredentials();
  VIT_ASSIGN_OR_RETURN(const std::string cert, ReadFileToString(options.tls_cert));
  VIT_ASSIGN_OR_RETURN(const std::string key, ReadFileToString(options.tls_key));
  grpc::SslServerCredentialsOptions ssl;
  ssl.pem_key_cert_pairs.push_back({key, cert});
  if (!options.tls_client_ca.empty()) {
    VIT_ASSIGN_OR_RETURN(ssl.pem_root_certs, ReadFileToString(options.tls_client_ca));
    ssl.client_certificate_request = GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY;
  }
  return grpc::SslServerCredentials(ssl);
}

// The model manager's options from the server's flags: --model DIR (or the
// embedded default model) is a repository of one.
ModelManagerOptions ManagerOptions(const ServerOptions& options) {
  const ModelRepositoryOptions& repository = options.repository;
  ModelManagerOptions manager;
  manager.repository = repository.repository;
  if (manager.repository.empty())
    manager.single_model = options.model_dir.empty() ? DefaultModelDir() : options.model_dir;
  manager.control_mode = repository.control_mode;
  manager.load_models = repository.load_models;
  manager.allow_model_control = repository.allow_model_control;
  manager.default_model = repository.default_model;
  manager.max_model_memory_mb = repository.max_model_memory_mb;
  manager.pipeline = options.pipeline;
  manager.dtype = options.engine.dtype;
  manager.threads = options.engine.threads;
  manager.default_top_k = options.service.default_top_k;
  return manager;
}

std::string JoinInts(const std::vector<int>& values) {
  std::string out;
  for (int v : values) out += (out.empty() ? "" : ",") + std::to_string(v);
  return out.empty() ? "none" : out;
}

std::string MetricsHost(const ListenOptions& options) {
  return options.metrics_host.empty() ? options.host : options.metrics_host;
}

const char* TransportName(const SecurityOptions& options) {
  if (options.tls_cert.empty()) return "plaintext";
  return options.tls_client_ca.empty() ? "TLS" : "mutual TLS";
}

void LogStartupSummary(const ServerOptions& options, const ModelInfo& info, int port, int http_port,
                       int metrics_port, int64_t load_ms, bool authenticated) {
  spdlog::info("model {} ({}) from {}: {}, {} classes, {} parameters, loaded in {} ms", info.id,
               info.source_format, info.path, info.architecture, info.num_classes,
               info.num_parameters, load_ms);
  spdlog::info(
      "inference: {} engine, dtype={} device={} threads={}; preprocessing: {} with {} threads",
      info.backend, info.dtype, info.device, info.threads, info.preprocess.ToString(),
      options.pipeline.preprocess_threads);
  const BatchSchedulerOptions& batching = options.pipeline.batching;
  spdlog::info(
      "batching: max_batch_size={} max_queue_delay_microseconds={} max_queue_size={} "
      "preferred_batch_sizes={} warmup_batches={}",
      batching.max_batch_size, batching.max_queue_delay_microseconds, batching.max_queue_size,
      JoinInts(batching.preferred_batch_sizes), options.pipeline.warmup_batches);
  const ServiceOptions& service = options.service;
  spdlog::info(
      "limits: max_in_flight_requests={} max_streams={} max_stream_in_flight={} "
      "default_deadline_ms={} max_image_bytes={} max_pixels={}",
      service.max_in_flight_requests, service.max_streams, service.max_stream_in_flight,
      service.default_deadline_ms, options.preprocess.max_image_bytes,
      options.preprocess.max_pixels);
  const bool https = !options.security.tls_cert.empty();
  const std::string http_host =
      options.listen.http_host.empty() ? options.listen.host : options.listen.http_host;
  spdlog::info("serving on {}:{} ({}, {}), HTTP API {}, metrics {}", options.listen.host, port,
               TransportName(options.security),
               authenticated ? "bearer token required" : "no authentication",
               http_port < 0 ? std::string("off")
                             : std::string(https ? "on https://" : "on http://") + http_host + ":" +
                                   std::to_string(http_port),
               metrics_port < 0 ? std::string("off")
                                : "on http://" + MetricsHost(options.listen) + ":" +
                                      std::to_string(metrics_port) + "/metrics");
}

// Health NOT_SERVING, optional delay, then stop accepting and let in-flight
// work finish within the grace period; what is left after it is cancelled.
void Drain(const ShutdownOptions& options, int signal_number, grpc::Server* server,
           http::HttpServer* http_server, HealthStatus* health, ServingContext* service,
           ModelManager* models) {
  const auto start = MonotonicClock::now();
  const int64_t answered_before = service->answered();
  spdlog::info("received {}; health NOT_SERVING, draining {} in-flight request(s)",
               signal_number == SIGINT ? "SIGINT" : "SIGTERM", service->in_flight());
  health->SetShuttingDown();
  service->SetShuttingDown();
  std::this_thread::sleep_for(std::chrono::milliseconds(options.shutdown_delay_ms));
  const auto deadline =
      std::chrono::system_clock::now() + std::chrono::milliseconds(options.grace_period_ms);
  // Server::Shutdown refuses new calls and returns once every call is
  // answered; the pipeline answers them, running queued work at once rather
  // than after its batching delay. Past the grace period it answers the rest
  // with UNAVAILABLE instead of computing them.
  std::future<void> shutdown =
      std::async(std::launch::async, [server, deadline] { server->Shutdown(deadline); });
  // The HTTP server likewise stops accepting and writes the replies still in
  // flight (for at most the grace period, its drain_timeout).
  std::future<void> http_shutdown = std::async(std::launch::async, [http_server] {
    if (http_server != nullptr) http_server->Stop();
  });
  std::future<void> drain =
      std::async(std::launch::async, [models] { models->Stop(/*drain=*/true); });
  const bool cancelled = drain.wait_until(deadline) != std::future_status::ready;
  if (cancelled) models->Stop(/*drain=*/false);
  drain.wait();
  shutdown.wait();
  http_shutdown.wait();
  // Both front doors are closed: answer control calls still queued, wait for
  // a load or unload still running, before the repository goes away.
  service->StopModelControl();
  spdlog::info("drained in {} ms: {} request(s) answered during shutdown, {} unanswered{}",
               MillisecondsSince(start), service->answered() - answered_before,
               service->in_flight(),
               cancelled ? "; the grace period expired and the rest were cancelled" : "");
}

// Waits for SIGTERM / SIGINT from the start, so one that arrives while the
// model loads is acted on as soon as loading is over. (A detached thread, not
// std::async: early returns must not wait for it.)
std::future<int> WatchTerminationSignals() {
  auto promise = std::make_shared<std::promise<int>>();
  std::future<int> signal = promise->get_future();
  std::thread([promise] { promise->set_value(WaitForTerminationSignal()); }).detach();
  return signal;
}

// The gRPC server with vit.v1, the Open Inference Protocol, health and
// reflection, listening; the bound port in *port.
StatusOr<std::unique_ptr<grpc::Server>> StartGrpcServer(const ServerOptions& options,
                                                        VitServiceImpl* service,
                                                        oip::GrpcInferenceServiceImpl* oip_service,
                                                        int* port) {
  auto credentials = MakeCredentials(options.security);
  if (!credentials.ok())
    return Status(credentials.status().code(), "TLS: " + credentials.status().message());
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  const std::string address = options.listen.host + ":" + std::to_string(options.listen.port);
  builder.AddListeningPort(address, *credentials, port);
  builder.RegisterService(service);
  builder.RegisterService(oip_service);
  builder.SetMaxReceiveMessageSize(static_cast<int>(options.preprocess.max_image_bytes) +
                                   kMessageOverheadBytes);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || *port == 0) return UnavailableError("cannot listen on " + address);
  return server;
}

// The /metrics listener, unless it is off; the bound port, or -1 when off.
StatusOr<int> StartMetricsServer(const ListenOptions& options, MetricsHttpServer* metrics_http) {
  if (options.metrics_port < 0) return -1;
  return metrics_http->Start(MetricsHost(options), options.metrics_port);
}

// The HTTP API unless it is off (null then); TLS as for gRPC. Bodies may be
// one image plus the request's JSON around it.
StatusOr<std::unique_ptr<http::HttpServer>> StartHttpServer(const ServerOptions& options,
                                                            http::HttpHandler* handler) {
  if (options.listen.http_port < 0) return std::unique_ptr<http::HttpServer>();
  http::HttpServerOptions http;
  http.host = options.listen.http_host.empty() ? options.listen.host : options.listen.http_host;
  http.port = options.listen.http_port;
  http.max_body_bytes = options.preprocess.max_image_bytes + kMessageOverheadBytes;
  http.tls_cert_file = options.security.tls_cert;
  http.tls_key_file = options.security.tls_key;
  http.drain_timeout = std::chrono::milliseconds(options.shutdown.grace_period_ms);
  return http::HttpServer::Start(http, handler);
}

}  // namespace

int RunServer(const ServerOptions& options) {
  if (Status status = ValidateServerOptions(options); !status.ok()) {
    spdlog::error("{}", status.message());
    return 1;
  }
  std::future<int> signal = WatchTerminationSignals();
  StatusOr<std::string> auth_token =
      LoadBearerToken(options.security.auth_token_file, "--auth-token-file");
  if (!auth_token.ok()) {
    spdlog::error("{}", auth_token.status().message());
    return 1;
  }
  Metrics metrics;
  // Every served model: one executor and one preprocessing pool for all.
  EngineModelLoader loader(options.engine, options.preprocess, options.overlay);
  ModelManager models(ManagerOptions(options), &loader, &metrics);
  // The repository control surface (OIP repository extension, vit.v1
  // ListModels, vit-client models) reaches it through ServingContext::
  // model_control(), set below once the models are loaded.
  ModelControl* const model_control = &models;
  ServiceOptions service_options = options.service;
  service_options.auth_token = *auth_token;
  ServingContext serving(service_options, &metrics);
  VitServiceImpl service(&serving);
  oip::GrpcInferenceServiceImpl oip_service(&serving);
  metrics.SetInFlightFn(
      [&serving] { return std::make_pair(serving.in_flight(), serving.open_streams()); });

  int port = 0;
  StatusOr<std::unique_ptr<grpc::Server>> server =
      StartGrpcServer(options, &service, &oip_service, &port);
  if (!server.ok()) {
    spdlog::error("{}", server.status().message());
    return 1;
  }
  HealthStatus health((*server)->GetHealthCheckService());
  health.SetNotServing();
  MetricsHttpServer metrics_http(&metrics);
  StatusOr<int> metrics_port = StartMetricsServer(options.listen, &metrics_http);
  if (!metrics_port.ok()) {
    spdlog::error("{}", metrics_port.status().message());
    (*server)->Shutdown();
    return 1;
  }
  http_api::HttpApiHandler http_handler(&service);
  StatusOr<std::unique_ptr<http::HttpServer>> http_server = StartHttpServer(options, &http_handler);
  if (!http_server.ok()) {
    spdlog::error("HTTP API: {}", http_server.status().message());
    (*server)->Shutdown();
    return 1;
  }
  const int http_port = *http_server ? (*http_server)->port() : -1;
  spdlog::info("vit-server listening on {}:{}, metrics port {}, http port {}; loading the model",
               options.listen.host, port, *metrics_port, http_port);

  const auto load_start = MonotonicClock::now();
  if (Status status = models.Start(); !status.ok()) {
    spdlog::error("cannot serve the models: {}", status.ToString());
    health.SetShuttingDown();
    (*server)->Shutdown();
    return 1;
  }
  std::shared_ptr<InferencePipeline> default_model = models.ServingPipeline("");
  if (default_model != nullptr) metrics.SetModelInfo(default_model->model_info());
  metrics.SetQueueDepthFn([&serving] {
    std::shared_ptr<InferencePipeline> pipeline = serving.pipeline();
    if (pipeline == nullptr) return std::make_pair(size_t{0}, size_t{0});
    return std::make_pair(pipeline->NumPreprocessQueued(), pipeline->NumBatchQueued());
  });
  serving.SetModelDirectory(&models);
  serving.SetModelControl(model_control);
  if (default_model != nullptr) health.SetServing();
  spdlog::info(
      "models served: {} (default: {})",
      [&] {
        std::string names;
        for (const std::string& name : models.ServedNames())
          names += (names.empty() ? "" : ", ") + name;
        return names.empty() ? std::string("none") : names;
      }(),
      models.DefaultModel().empty() ? std::string("none") : models.DefaultModel());
  if (default_model != nullptr) {
    LogStartupSummary(options, default_model->model_info(), port, http_port, *metrics_port,
                      MillisecondsSince(load_start), !auth_token->empty());
  }
  default_model.reset();  // unpinned: reloads may free it
  // Health stays SERVING while the default model is (API unloads included).
  RepositoryWatcher watcher(
      &models, options.repository.control_mode == "poll" ? options.repository.poll_secs : 0,
      [&serving, &health] {
        if (serving.ready()) {
          health.SetServing();
        } else {
          health.SetNotServing();
        }
      });

  const int signal_number = signal.get();
  watcher.Stop();
  Drain(options.shutdown, signal_number, server->get(), http_server->get(), &health, &serving,
        &models);
  metrics_http.Stop();
  spdlog::info("vit-server stopped");
  return 0;
}

}  // namespace vit::server
