// vit-client's commands against a running vit-server: classify, health, info.
#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <vector>

#include "common/status.h"

namespace vit::client {

struct ConnectionOptions {
  /// HOST:PORT of the server. Default "localhost:50051".
  std::string server = "localhost:50051";
  /// Per-call deadline in milliseconds; 0 = none. Default 30000.
  int timeout_ms = 30000;
  /// Use TLS (implied by tls_ca, tls_cert). Default false.
  bool tls = false;
  /// PEM root certificates file for TLS; empty = the system roots. Default empty.
  std::string tls_ca;
  /// PEM client certificate chain and private key files, for mutual TLS.
  /// Default empty.
  std::string tls_cert;
  std::string tls_key;
  /// File holding the bearer token; empty = $VIT_AUTH_TOKEN; neither = no
  /// token. Default empty.
  std::string token_file;
  /// Largest message sent or received, in bytes. Default 64 MiB.
  int max_message_bytes = 64 << 20;

  // Filled by LoadConnectionFiles() from the paths / environment above.
  std::string tls_ca_pem, tls_cert_pem, tls_key_pem;
  std::string token;
};

/// Reads the TLS files and the token named by `options` into it.
/// INVALID_ARGUMENT naming the flag when a file cannot be read, holds nothing,
/// or --tls-cert / --tls-key come alone.
Status LoadConnectionFiles(ConnectionOptions* options);

/// A channel to the server. Channels with different `connection_id`s use
/// different TCP connections (gRPC otherwise shares one).
std::shared_ptr<grpc::Channel> Connect(const ConnectionOptions& options, int connection_id = 0);

/// Sets the deadline from options.timeout_ms and, with a token, the
/// "authorization: Bearer TOKEN" metadata.
void PrepareContext(const ConnectionOptions& options, grpc::ClientContext* context);

struct ClassifyOptions {
  /// Predictions per image; 0 = the server's default. Default 0.
  int top_k = 0;
  /// Model name; "" = the served model. Default "".
  std::string model;
  /// One JSON object per image instead of text. Default false.
  bool json = false;
};

/// Classifies each file and prints its predictions; returns 0 when all
/// succeeded, 2 when some failed.
int RunClassify(const ConnectionOptions& connection, const ClassifyOptions& options,
                const std::vector<std::string>& files);

/// Prints the health status; returns 0 only when SERVING, else 2.
int RunHealth(const ConnectionOptions& connection);

/// Prints the model description (JSON with `json`); 0 on success, else 2.
int RunInfo(const ConnectionOptions& connection, bool json);

/// Reads a whole file; false when it cannot be read.
bool ReadFileBytes(const std::string& path, std::string* bytes);

}  // namespace vit::client
