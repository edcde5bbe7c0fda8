#include "server/server_options.h"

#include <CLI/CLI.hpp>

namespace vit::server {

void AddServerFlags(CLI::App* app, ServerOptions* o) {
  auto add = [app](const std::string& flag, auto& value, const std::string& env,
                   const std::string& help) {
    return app->add_option(flag, value, help)->envname(env)->capture_default_str();
  };
  add("--model", o->model_dir, "VIT_MODEL",
      "Model folder (config.json + weights); empty = the embedded default model");
  add("--host", o->host, "VIT_HOST", "Address to bind (gRPC, and metrics unless --metrics-host)");
  add("--metrics-host", o->metrics_host, "VIT_METRICS_HOST",
      "Address the metrics listener binds; empty = same as --host");
  add("--port", o->port, "VIT_PORT", "gRPC port; 0 = any free port (logged)");
  add("--metrics-port", o->metrics_port, "VIT_METRICS_PORT",
      "Prometheus /metrics HTTP port; 0 = any free port, -1 = off");
  add("--dtype", o->dtype, "VIT_DTYPE", "Inference dtype")
      ->check(CLI::IsMember({"auto", "fp32", "bf16"}));
  add("--threads", o->threads, "VIT_THREADS", "LibTorch intra-op threads; 0 = all cores");
  add("--preprocess-threads", o->preprocess_threads, "VIT_PREPROCESS_THREADS",
      "Decode/preprocess worker threads");
  add("--max-batch-size", o->max_batch_size, "VIT_MAX_BATCH_SIZE", "Largest batch");
  add("--max-queue-delay-microseconds", o->max_queue_delay_microseconds,
      "VIT_MAX_QUEUE_DELAY_MICROSECONDS",
      "How long the oldest queued request waits for its batch to fill");
  add("--max-queue-size", o->max_queue_size, "VIT_MAX_QUEUE_SIZE",
      "Requests that may wait per queue before RESOURCE_EXHAUSTED; 0 = unbounded");
  add("--preferred-batch-sizes", o->preferred_batch_sizes, "VIT_PREFERRED_BATCH_SIZES",
      "Batch sizes to prefer, comma-separated")
      ->delimiter(',');
  add("--max-message-bytes", o->max_message_bytes, "VIT_MAX_MESSAGE_BYTES",
      "Largest gRPC message / image in bytes");
  add("--max-pixels", o->max_pixels, "VIT_MAX_PIXELS", "Largest image in pixels");
  add("--default-top-k", o->default_top_k, "VIT_DEFAULT_TOP_K",
      "Predictions returned when a request's top_k is 0");
  add("--max-stream-in-flight", o->max_stream_in_flight, "VIT_MAX_STREAM_IN_FLIGHT",
      "Requests one ClassifyStream may have in flight");
  add("--max-in-flight-requests", o->max_in_flight_requests, "VIT_MAX_IN_FLIGHT_REQUESTS",
      "Requests accepted and not yet answered, server-wide (unary and stream items); "
      "more get RESOURCE_EXHAUSTED at once; 0 = unbounded");
  add("--max-streams", o->max_streams, "VIT_MAX_STREAMS",
      "ClassifyStream calls open at once, server-wide; more get RESOURCE_EXHAUSTED at once; "
      "0 = unbounded");
  add("--default-deadline-ms", o->default_deadline_ms, "VIT_DEFAULT_DEADLINE_MS",
      "Deadline of a request whose call has none, from its arrival (stream items: from when "
      "read); past it, queued work is DEADLINE_EXCEEDED; 0 = none");
  add("--warmup-batches", o->warmup_batches, "VIT_WARMUP_BATCHES",
      "Warm-up batches before health turns SERVING");
  add("--shutdown-delay-ms", o->shutdown_delay_ms, "VIT_SHUTDOWN_DELAY_MS",
      "On SIGTERM: time health reports NOT_SERVING while calls are still accepted");
  add("--grace-period-ms", o->grace_period_ms, "VIT_GRACE_PERIOD_MS",
      "On SIGTERM: time in-flight work has to finish");
  add("--tls-cert", o->tls_cert, "VIT_TLS_CERT", "PEM certificate chain file (enables TLS)");
  add("--tls-key", o->tls_key, "VIT_TLS_KEY", "PEM private key file (enables TLS)");
  add("--tls-client-ca", o->tls_client_ca, "VIT_TLS_CLIENT_CA",
      "PEM CA file: require and verify client certificates signed by it (mutual TLS; needs "
      "--tls-cert)");
  add("--auth-token-file", o->auth_token_file, "VIT_AUTH_TOKEN_FILE",
      "File holding the bearer token every RPC except health and reflection must send as "
      "'authorization: Bearer TOKEN'; empty = env VIT_AUTH_TOKEN; neither = no authentication");
  add("--log-level", o->log_level, "VIT_LOG_LEVEL", "Log level")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error"}));
  add("--log-format", o->log_format, "VIT_LOG_FORMAT", "Log format")
      ->check(CLI::IsMember({"text", "json"}));
}

Status ValidateServerOptions(const ServerOptions& o) {
  auto bad = [](const std::string& flag, const std::string& rule, int64_t value) {
    return InvalidArgumentError(flag + " must be " + rule + "; got " + std::to_string(value));
  };
  if (o.port < 0 || o.port > 65535) return bad("--port", "in [0, 65535]", o.port);
  if (o.metrics_port < -1 || o.metrics_port > 65535)
    return bad("--metrics-port", "in [-1, 65535]", o.metrics_port);
  if (o.threads < 0) return bad("--threads", ">= 0", o.threads);
  if (o.preprocess_threads < 1) return bad("--preprocess-threads", ">= 1", o.preprocess_threads);
  if (o.max_message_bytes < 1 || o.max_message_bytes > (int64_t{1} << 30))
    return bad("--max-message-bytes", "in [1, 1 GiB]", o.max_message_bytes);
  if (o.max_pixels < 1) return bad("--max-pixels", ">= 1", o.max_pixels);
  if (o.default_top_k < 1) return bad("--default-top-k", ">= 1", o.default_top_k);
  if (o.max_stream_in_flight < 1)
    return bad("--max-stream-in-flight", ">= 1", o.max_stream_in_flight);
  if (o.warmup_batches < 0) return bad("--warmup-batches", ">= 0", o.warmup_batches);
  if (o.shutdown_delay_ms < 0) return bad("--shutdown-delay-ms", ">= 0", o.shutdown_delay_ms);
  if (o.grace_period_ms < 0) return bad("--grace-period-ms", ">= 0", o.grace_period_ms);
  if (o.max_in_flight_requests < 0)
    return bad("--max-in-flight-requests", ">= 0", o.max_in_flight_requests);
  if (o.max_streams < 0) return bad("--max-streams", ">= 0", o.max_streams);
  if (o.default_deadline_ms < 0) return bad("--default-deadline-ms", ">= 0", o.default_deadline_ms);
  if (o.tls_cert.empty() != o.tls_key.empty())
    return InvalidArgumentError("--tls-cert and --tls-key go together");
  if (!o.tls_client_ca.empty() && o.tls_cert.empty())
    return InvalidArgumentError("--tls-client-ca needs --tls-cert and --tls-key (mutual TLS)");
  // Batching fields are checked by ValidateBatchSchedulerOptions.
  return Status::Ok();
}

}  // namespace vit::server
