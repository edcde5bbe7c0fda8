// Every vit-server knob: one struct with documented defaults, and its
// command-line flags (each also read from a VIT_* environment variable).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"

namespace CLI {
class App;
}

namespace vit::server {

struct ServerOptions {
  /// Model folder; "" = the embedded default model. Env VIT_MODEL.
  std::string model_dir;
  /// Address the gRPC server binds (and the metrics server, unless
  /// metrics_host is set). Default "0.0.0.0".
  std::string host = "0.0.0.0";
  /// Address the metrics server binds; "" = the same as `host`. Default "".
  std::string metrics_host;
  /// gRPC port; 0 = any free port (the bound port is logged). Default 50051.
  int port = 50051;
  /// Prometheus /metrics HTTP port; 0 = any free port, -1 = off. Default 8002.
  int metrics_port = 8002;
  /// Inference dtype: "auto", "fp32" or "bf16". Default "auto".
  std::string dtype = "auto";
  /// LibTorch intra-op threads; 0 = all cores. Default 0.
  int threads = 0;
  /// Decode / preprocess worker threads. Default 2.
  int preprocess_threads = 2;
  /// Largest batch the model runs. Default 8.
  int max_batch_size = 8;
  /// How long the oldest queued request waits for a batch to fill. Default 1000.
  int64_t max_queue_delay_microseconds = 1000;
  /// Requests that may wait (per queue: preprocessing, batching) before new
  /// ones are RESOURCE_EXHAUSTED; 0 = unbounded. Default 256.
  int max_queue_size = 256;
  /// Batch sizes to prefer (comma-separated); empty = any. Default empty.
  std::vector<int> preferred_batch_sizes;
  /// Largest gRPC message and image, in bytes. Default 16 MiB.
  int64_t max_message_bytes = int64_t{16} << 20;
  /// Largest image in pixels (checked from the header, before decoding).
  /// Default 64,000,000.
  int64_t max_pixels = 64'000'000;
  /// Predictions returned when a request's top_k is 0. Default 5.
  int default_top_k = 5;
  /// Requests one ClassifyStream may have in flight. Default 64.
  int max_stream_in_flight = 64;
  /// Requests accepted and not yet answered, server-wide (unary calls and
  /// stream items together); more are RESOURCE_EXHAUSTED at once. 0 =
  /// unbounded. Default 512.
  int max_in_flight_requests = 512;
  /// ClassifyStream calls open at once, server-wide; more are
  /// RESOURCE_EXHAUSTED at once. 0 = unbounded. Default 64.
  int max_streams = 64;
  /// Deadline, in milliseconds from arrival, of a request whose call carries
  /// none (each stream item counts from when it is read); 0 = none.
  /// Default 60000.
  int default_deadline_ms = 60000;
  /// Warm-up batches run before health turns SERVING. Default 1.
  int warmup_batches = 1;
  /// On SIGTERM / SIGINT: how long health reports NOT_SERVING while the
  /// server still accepts calls (for load balancers to notice). Default 0.
  int shutdown_delay_ms = 0;
  /// On SIGTERM / SIGINT: how long in-flight work may take to finish before
  /// it is cancelled. Default 10000.
  int grace_period_ms = 10000;
  /// PEM certificate chain and private key; both set = TLS, both empty =
  /// plaintext. Default empty.
  std::string tls_cert;
  std::string tls_key;
  /// PEM CA certificates; set = mutual TLS: every client must present a
  /// certificate signed by one of them. Needs tls_cert. Default empty.
  std::string tls_client_ca;
  /// File holding the bearer token every RPC except health checks and
  /// reflection must carry ("authorization: Bearer TOKEN"); "" = the
  /// VIT_AUTH_TOKEN environment variable; neither = no authentication.
  /// Default empty. (No flag takes the token itself: it would show in `ps`.)
  std::string auth_token_file;
  /// "trace", "debug", "info", "warn", "error". Default "info".
  std::string log_level = "info";
  /// "text" or "json" (one JSON object per line). Default "text".
  std::string log_format = "text";
};

/// Adds a flag for every field of `options` to `app` (defaults shown by --help).
void AddServerFlags(CLI::App* app, ServerOptions* options);

/// Range checks that CLI11 does not do; the message names the flag.
Status ValidateServerOptions(const ServerOptions& options);

}  // namespace vit::server
