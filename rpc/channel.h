// The one way clients (vit-client, vit-score) reach a vit-server: a gRPC
// channel, plaintext or TLS (mutual TLS with a client certificate), and the
// bearer token and deadline each call carries.
#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "common/status.h"

namespace vit::rpc {

struct ConnectionOptions {
  /// HOST:PORT of the server. Default "localhost:50051".
  std::string server = "localhost:50051";
  /// Deadline of each unary call in milliseconds; 0 = none. Default 30000.
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

/// Reads the TLS files and the token (LoadBearerToken: --token-file, else
/// $VIT_AUTH_TOKEN) named by `options` into it. INVALID_ARGUMENT naming the
/// flag when a file cannot be read or holds nothing, the token is not
/// printable, or --tls-cert / --tls-key come alone.
Status LoadConnectionFiles(ConnectionOptions* options);

/// A channel to options.server. Channels with different `connection_id`s
/// use different TCP connections (gRPC otherwise shares one).
std::shared_ptr<grpc::Channel> Connect(const ConnectionOptions& options, int connection_id = 0);

/// With a token, adds the "authorization: Bearer TOKEN" metadata.
void AddBearerToken(const ConnectionOptions& options, grpc::ClientContext* context);

/// Sets the deadline from options.timeout_ms (when > 0) and AddBearerToken.
void PrepareContext(const ConnectionOptions& options, grpc::ClientContext* context);

}  // namespace vit::rpc
