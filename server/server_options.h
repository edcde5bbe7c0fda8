// Every vit-server knob, composed from the Options structs of the parts it
// configures (each documents its own fields and defaults), and the flags
// that fill them (each also read from a VIT_* environment variable).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "model/inference_engine.h"
#include "preprocessing/heatmap_overlay.h"
#include "preprocessing/image_preprocessor.h"
#include "server/inference_pipeline.h"
#include "server/vit_service.h"

namespace CLI {
class App;
}

namespace vit::server {

/// Where the server listens.
struct ListenOptions {
  /// Address the gRPC server binds (and the metrics and HTTP servers, unless
  /// metrics_host / http_host are set). Default "0.0.0.0".
  std::string host = "0.0.0.0";
  /// gRPC port; 0 = any free port (the bound port is logged). Default 50051.
  int port = 50051;
  /// Address the metrics server binds; "" = the same as `host`. Default "".
  std::string metrics_host;
  /// Prometheus /metrics HTTP port; 0 = any free port, -1 = off. Default 8002.
  int metrics_port = 8002;
  /// Address the HTTP/REST API (Open Inference Protocol v2 and /v1) binds;
  /// "" = the same as `host`. Default "".
  std::string http_host;
  /// HTTP/REST API port (Triton's default); 0 = any free port, -1 = off.
  /// HTTPS when TLS is configured. Default 8000.
  int http_port = 8000;
};

/// Transport security and authentication.
struct SecurityOptions {
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
};

/// What happens on SIGTERM / SIGINT.
struct ShutdownOptions {
  /// How long health reports NOT_SERVING while the server still accepts
  /// calls (for load balancers to notice). Default 0.
  int shutdown_delay_ms = 0;
  /// How long in-flight work may take to finish before it is cancelled.
  /// Default 10000.
  int grace_period_ms = 10000;
};

struct LoggingOptions {
  /// "trace", "debug", "info", "warn", "error". Default "info".
  std::string level = "info";
  /// "text" or "json" (one JSON object per line). Default "text".
  std::string format = "text";
};

/// Which models are served and how they may change (issue 15; Triton's
/// names). server/repository/model_settings.h documents vit-serve.json.
struct ModelRepositoryOptions {
  /// Folder of models (DIR/name/ or DIR/name/N/); "" = serve --model alone.
  /// Default "".
  std::string repository;
  /// "none" (load every model at start), "explicit" (only --load-model at
  /// start, then through the API), "poll" (as none, then rescan every
  /// poll_secs). SIGHUP rescans in every mode. Default "none".
  std::string control_mode = "none";
  /// explicit mode: models loaded at start (repeatable; "*" = all). Default none.
  std::vector<std::string> load_models;
  /// poll mode: seconds between rescans; >= 1. Default 15.
  int poll_secs = 15;
  /// Load/unload through the API (FAILED_PRECONDITION when off). Default false.
  bool allow_model_control = false;
  /// The model of requests naming none; "" = the only model. Default "".
  std::string default_model;
  /// Estimated memory of all loaded versions (MiB) a load may not exceed,
  /// both versions counted during a reload; 0 = unlimited. Default 0.
  int64_t max_model_memory_mb = 0;
};

struct ServerOptions {
  /// Model folder; "" = the embedded default model. Env VIT_MODEL.
  std::string model_dir;
  ModelRepositoryOptions repository;
  EngineOptions engine;
  /// Image limits (max_image_bytes also sizes the gRPC receive limit).
  preprocessing::PreprocessOptions preprocess;
  /// How Explain overlays are drawn (--overlay-opacity, --overlay-color-map).
  preprocessing::OverlayOptions overlay;
  PipelineOptions pipeline;
  /// Per-request limits and defaults; auth_token is filled from `security`.
  ServiceOptions service;
  ListenOptions listen;
  SecurityOptions security;
  ShutdownOptions shutdown;
  LoggingOptions logging;
};

/// Adds a flag for every field of `options` to `app` (defaults shown by --help).
void AddServerFlags(CLI::App* app, ServerOptions* options);

/// Range checks that CLI11 does not do; the message names the flag.
Status ValidateServerOptions(const ServerOptions& options);

}  // namespace vit::server
