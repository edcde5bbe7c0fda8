// HttpServer's settings, each with its default, in one place.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

#include "common/status.h"

namespace vit::server::http {

struct HttpServerOptions {
  /// Address to bind: an IPv4 or IPv6 literal, or a host name (its first
  /// address). Default "0.0.0.0".
  std::string host = "0.0.0.0";
  /// TCP port; 0 = any free port (HttpServer::port() says which). Default
  /// 8000, Triton's.
  int port = 8000;
  /// Threads running the event loop. They read, parse and write; handlers
  /// must not block them. Default 2.
  int io_threads = 2;
  /// Largest request body, after removing a chunked encoding. A larger one is
  /// answered 413 and the connection closed, without reading or storing the
  /// body (a Content-Length over the limit is refused before its first byte).
  /// Default 16 MiB, the default image byte limit; the server sets it from
  /// that limit.
  size_t max_body_bytes = size_t{16} << 20;
  /// Largest request line plus header fields; larger: 431 and close. Default
  /// 64 KiB.
  size_t max_header_bytes = size_t{64} << 10;
  /// Open connections at most; the next one is answered 503 (HTTPS: closed)
  /// until one ends. Default 1024.
  int max_connections = 1024;
  /// How long a keep-alive connection may wait for the first byte of its next
  /// request before it is closed. Default 60 s.
  std::chrono::milliseconds idle_timeout{60'000};
  /// Once a request began: how long its header may take to arrive, and then
  /// its body; a slower client (slowloris) is disconnected. Also bounds the
  /// TLS handshake. Default 30 s.
  std::chrono::milliseconds read_timeout{30'000};
  /// How long writing one response may take. Default 30 s.
  std::chrono::milliseconds write_timeout{30'000};
  /// Stop(): how long requests in flight may take to be answered before their
  /// connections are closed anyway. Default 5 s.
  std::chrono::milliseconds drain_timeout{5'000};
  /// PEM certificate chain and private key. Both set: this port speaks HTTPS
  /// only; neither: plain HTTP; one alone is an error. Default "" (HTTP).
  std::string tls_cert_file;
  std::string tls_key_file;
};

/// INVALID_ARGUMENT naming the field that is out of range, or a lone TLS file.
Status ValidateHttpServerOptions(const HttpServerOptions& options);

}  // namespace vit::server::http
