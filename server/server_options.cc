#include "server/server_options.h"

#include <CLI/CLI.hpp>

#include "cli/engine_flags.h"

namespace vit::server {
namespace {

// One flag bound to `value`, read from `env` too, its default shown by --help.
template <typename T>
CLI::Option* AddFlag(CLI::App* app, const std::string& flag, T& value, const std::string& env,
                     const std::string& help) {
  return app->add_option(flag, value, help)->envname(env)->capture_default_str();
}

void AddListenFlags(CLI::App* app, ListenOptions* o) {
  AddFlag(app, "--host", o->host, "VIT_HOST",
          "Address to bind (gRPC, and metrics unless --metrics-host)");
  AddFlag(app, "--port", o->port, "VIT_PORT", "gRPC port; 0 = any free port (logged)");
  AddFlag(app, "--metrics-host", o->metrics_host, "VIT_METRICS_HOST",
          "Address the metrics listener binds; empty = same as --host");
  AddFlag(app, "--metrics-port", o->metrics_port, "VIT_METRICS_PORT",
          "Prometheus /metrics HTTP port; 0 = any free port, -1 = off");
  AddFlag(app, "--http-host", o->http_host, "VIT_HTTP_HOST",
          "Address the HTTP/REST API listener binds; empty = same as --host");
  AddFlag(app, "--http-port", o->http_port, "VIT_HTTP_PORT",
          "HTTP/REST API port (Open Inference Protocol /v2 and the plain /v1 endpoints; HTTPS "
          "with --tls-cert); 0 = any free port, -1 = off");
}

void AddPipelineFlags(CLI::App* app, PipelineOptions* o) {
  AddFlag(app, "--preprocess-threads", o->preprocess_threads, "VIT_PREPROCESS_THREADS",
          "Decode/preprocess worker threads");
  AddFlag(app, "--max-batch-size", o->batching.max_batch_size, "VIT_MAX_BATCH_SIZE",
          "Largest batch");
  AddFlag(app, "--max-queue-delay-microseconds", o->batching.max_queue_delay_microseconds,
          "VIT_MAX_QUEUE_DELAY_MICROSECONDS",
          "How long the oldest queued request waits for its batch to fill");
  AddFlag(app, "--max-queue-size", o->batching.max_queue_size, "VIT_MAX_QUEUE_SIZE",
          "Requests that may wait per queue before RESOURCE_EXHAUSTED; 0 = unbounded");
  AddFlag(app, "--preferred-batch-sizes", o->batching.preferred_batch_sizes,
          "VIT_PREFERRED_BATCH_SIZES", "Batch sizes to prefer, comma-separated")
      ->delimiter(',');
  AddFlag(app, "--warmup-batches", o->warmup_batches, "VIT_WARMUP_BATCHES",
          "Warm-up batches before health turns SERVING");
}

void AddServiceFlags(CLI::App* app, ServiceOptions* o) {
  AddFlag(app, "--default-top-k", o->default_top_k, "VIT_DEFAULT_TOP_K",
          "Predictions returned when a request's top_k is 0");
  AddFlag(app, "--max-stream-in-flight", o->max_stream_in_flight, "VIT_MAX_STREAM_IN_FLIGHT",
          "Requests one ClassifyStream may have in flight");
  AddFlag(app, "--max-in-flight-requests", o->max_in_flight_requests, "VIT_MAX_IN_FLIGHT_REQUESTS",
          "Requests accepted and not yet answered, server-wide (unary and stream items); "
          "more get RESOURCE_EXHAUSTED at once; 0 = unbounded");
  AddFlag(app, "--max-streams", o->max_streams, "VIT_MAX_STREAMS",
          "ClassifyStream calls open at once, server-wide; more get RESOURCE_EXHAUSTED at once; "
          "0 = unbounded");
  AddFlag(app, "--default-deadline-ms", o->default_deadline_ms, "VIT_DEFAULT_DEADLINE_MS",
          "Deadline of a request whose call has none, from its arrival (stream items: from when "
          "read); past it, queued work is DEADLINE_EXCEEDED; 0 = none");
}

void AddSecurityFlags(CLI::App* app, SecurityOptions* o) {
  AddFlag(app, "--tls-cert", o->tls_cert, "VIT_TLS_CERT",
          "PEM certificate chain file (enables TLS)");
  AddFlag(app, "--tls-key", o->tls_key, "VIT_TLS_KEY", "PEM private key file (enables TLS)");
  AddFlag(app, "--tls-client-ca", o->tls_client_ca, "VIT_TLS_CLIENT_CA",
          "PEM CA file: require and verify client certificates signed by it (mutual TLS; needs "
          "--tls-cert)");
  AddFlag(app, "--auth-token-file", o->auth_token_file, "VIT_AUTH_TOKEN_FILE",
          "File holding the bearer token every RPC except health and reflection must send as "
          "'authorization: Bearer TOKEN'; empty = env VIT_AUTH_TOKEN; neither = no "
          "authentication");
}

void AddShutdownFlags(CLI::App* app, ShutdownOptions* o) {
  AddFlag(app, "--shutdown-delay-ms", o->shutdown_delay_ms, "VIT_SHUTDOWN_DELAY_MS",
          "On SIGTERM: time health reports NOT_SERVING while calls are still accepted");
  AddFlag(app, "--grace-period-ms", o->grace_period_ms, "VIT_GRACE_PERIOD_MS",
          "On SIGTERM: time in-flight work has to finish");
}

void AddLoggingFlags(CLI::App* app, LoggingOptions* o) {
  AddFlag(app, "--log-level", o->level, "VIT_LOG_LEVEL", "Log level")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error"}));
  AddFlag(app, "--log-format", o->format, "VIT_LOG_FORMAT", "Log format")
      ->check(CLI::IsMember({"text", "json"}));
}

void AddRepositoryFlags(CLI::App* app, ModelRepositoryOptions* o) {
  AddFlag(app, "--model-repository", o->repository, "VIT_MODEL_REPOSITORY",
          "Folder of models: DIR/NAME/ (config.json + weights) or DIR/NAME/N/ (numeric versions; "
          "the highest is served unless DIR/NAME/vit-serve.json pins one); excludes --model");
  AddFlag(app, "--model-control-mode", o->control_mode, "VIT_MODEL_CONTROL_MODE",
          "none: load every model at start; explicit: only --load-model at start, then through "
          "the API; poll: rescan every --repository-poll-secs. SIGHUP rescans in every mode")
      ->check(CLI::IsMember({"none", "explicit", "poll"}));
  AddFlag(app, "--load-model", o->load_models, "VIT_LOAD_MODEL",
          "explicit mode: a model to load at start (repeatable; * = all)");
  AddFlag(app, "--repository-poll-secs", o->poll_secs, "VIT_REPOSITORY_POLL_SECS",
          "poll mode: seconds between repository rescans");
  app->add_flag("--allow-model-control", o->allow_model_control,
                "Allow loading and unloading models through the API (OIP repository extension, "
                "vit-client models)")
      ->envname("VIT_ALLOW_MODEL_CONTROL");
  AddFlag(app, "--default-model", o->default_model, "VIT_DEFAULT_MODEL",
          "Model of requests that name none; empty = the only model (an error when several)");
  AddFlag(app, "--max-model-memory-mb", o->max_model_memory_mb, "VIT_MAX_MODEL_MEMORY_MB",
          "Estimated memory (weights file bytes x dtype factor) all loaded models may take; a "
          "load over it is RESOURCE_EXHAUSTED (both versions count during a reload); "
          "0 = unlimited");
}

}  // namespace

void AddServerFlags(CLI::App* app, ServerOptions* o) {
  AddFlag(app, "--model", o->model_dir, "VIT_MODEL",
          "Model folder (config.json + weights); empty = the embedded default model");
  AddRepositoryFlags(app, &o->repository);
  cli::AddEngineFlags(app, &o->engine);
  cli::AddImageLimitFlags(app, &o->preprocess);
  // The limit's earlier name, kept so that existing deployments keep working.
  app->add_option("--max-message-bytes", o->preprocess.max_image_bytes,
                  "Deprecated: the earlier name of --max-image-bytes")
      ->envname("VIT_MAX_MESSAGE_BYTES")
      ->group("");
  AddFlag(app, "--overlay-opacity", o->overlay.opacity, "VIT_OVERLAY_OPACITY",
          "Explain overlays: weight of the colour-mapped heat map over the image, in [0, 1]");
  app->add_option_function<std::string>(
         "--overlay-color-map",
         [o](const std::string& name) {
           o->overlay.color_map =
               name == "turbo" ? preprocessing::ColorMap::kTurbo : preprocessing::ColorMap::kJet;
         },
         "Explain overlays: OpenCV colour map, jet or turbo")
      ->check(CLI::IsMember({"jet", "turbo"}))
      ->envname("VIT_OVERLAY_COLOR_MAP")
      ->default_str("jet");
  AddPipelineFlags(app, &o->pipeline);
  AddServiceFlags(app, &o->service);
  AddListenFlags(app, &o->listen);
  AddSecurityFlags(app, &o->security);
  AddShutdownFlags(app, &o->shutdown);
  AddLoggingFlags(app, &o->logging);
}

Status ValidateServerOptions(const ServerOptions& o) {
  auto bad = [](const std::string& flag, const std::string& rule, int64_t value) {
    return InvalidArgumentError(flag + " must be " + rule + "; got " + std::to_string(value));
  };
  const ListenOptions& listen = o.listen;
  if (listen.port < 0 || listen.port > 65535) return bad("--port", "in [0, 65535]", listen.port);
  if (listen.metrics_port < -1 || listen.metrics_port > 65535)
    return bad("--metrics-port", "in [-1, 65535]", listen.metrics_port);
  if (listen.http_port < -1 || listen.http_port > 65535)
    return bad("--http-port", "in [-1, 65535]", listen.http_port);
  if (o.engine.threads < 0) return bad("--threads", ">= 0", o.engine.threads);
  if (o.pipeline.preprocess_threads < 1)
    return bad("--preprocess-threads", ">= 1", o.pipeline.preprocess_threads);
  const auto image_bytes = static_cast<int64_t>(o.preprocess.max_image_bytes);
  if (image_bytes < 1 || image_bytes > (int64_t{1} << 30))
    return bad("--max-image-bytes", "in [1, 1 GiB]", image_bytes);
  if (o.preprocess.max_pixels < 1) return bad("--max-pixels", ">= 1", o.preprocess.max_pixels);
  if (!(o.overlay.opacity >= 0.0 && o.overlay.opacity <= 1.0)) {
    return InvalidArgumentError("--overlay-opacity must be in [0, 1]; got " +
                                std::to_string(o.overlay.opacity));
  }
  const ServiceOptions& service = o.service;
  if (service.default_top_k < 1) return bad("--default-top-k", ">= 1", service.default_top_k);
  if (service.max_stream_in_flight < 1)
    return bad("--max-stream-in-flight", ">= 1", service.max_stream_in_flight);
  if (o.pipeline.warmup_batches < 0)
    return bad("--warmup-batches", ">= 0", o.pipeline.warmup_batches);
  if (o.shutdown.shutdown_delay_ms < 0)
    return bad("--shutdown-delay-ms", ">= 0", o.shutdown.shutdown_delay_ms);
  if (o.shutdown.grace_period_ms < 0)
    return bad("--grace-period-ms", ">= 0", o.shutdown.grace_period_ms);
  if (service.max_in_flight_requests < 0)
    return bad("--max-in-flight-requests", ">= 0", service.max_in_flight_requests);
  if (service.max_streams < 0) return bad("--max-streams", ">= 0", service.max_streams);
  if (service.default_deadline_ms < 0)
    return bad("--default-deadline-ms", ">= 0", service.default_deadline_ms);
  const SecurityOptions& security = o.security;
  if (security.tls_cert.empty() != security.tls_key.empty())
    return InvalidArgumentError("--tls-cert and --tls-key go together");
  if (!security.tls_client_ca.empty() && security.tls_cert.empty())
    return InvalidArgumentError("--tls-client-ca needs --tls-cert and --tls-key (mutual TLS)");
  const ModelRepositoryOptions& repository = o.repository;
  if (!repository.repository.empty() && !o.model_dir.empty())
    return InvalidArgumentError("--model and --model-repository exclude each other");
  if (!repository.load_models.empty() && repository.control_mode != "explicit")
    return InvalidArgumentError("--load-model needs --model-control-mode explicit");
  if (repository.poll_secs < 1) return bad("--repository-poll-secs", ">= 1", repository.poll_secs);
  if (repository.max_model_memory_mb < 0)
    return bad("--max-model-memory-mb", ">= 0", repository.max_model_memory_mb);
  // Batching fields are checked by ValidateBatchSchedulerOptions.
  return Status::Ok();
}

}  // namespace vit::server
