// An asynchronous HTTP/1.1 server (plain or HTTPS) that hands each request to
// an HttpHandler and writes whatever response the handler's HttpReply gets,
// whenever and from whichever thread it comes. Transport only: routing and
// the protocols live in the handler.
//
// Why Boost.Beast on Boost.Asio (Debian's libboost-dev, header-only): a few
// I/O threads serve every connection, since a connection waiting for its
// reply holds no thread, only a small object; a reply from any thread is
// posted to the connection's strand. cpp-httplib, as used for /metrics,
// holds a thread per connection for as long as the request takes.
// libmicrohttpd could do it with suspended connections, but its
// suspend/resume dance, its own TLS library (GnuTLS, where the rest of the
// server uses OpenSSL) and a C callback API make the exactly-once reply and
// the drain on Stop() harder to get right than Asio's strands and
// shared_ptr-owned connections.
//
// What it does: HTTP/1.1 keep-alive and Connection: close; pipelined requests
// answered in order (one at a time per connection: the next is read after the
// previous response was written); Expect: 100-continue (curl sends it for
// bodies over 1 KiB); Content-Length and chunked bodies up to max_body_bytes;
// 400 for a malformed request, 413 for a body and 431 for a header over its
// limit (each {"error": "..."} JSON, then the connection closes); HTTPS with
// OpenSSL (TLS 1.2+) when a certificate and key are given, and a JSON 400 for
// a plaintext client on such a port. HEAD gets no special treatment.
//
//   MyHandler handler;
//   VIT_ASSIGN_OR_RETURN(auto server, HttpServer::Start(options, &handler));
//   ... server->port() ...
//   server->Stop();  // or let ~HttpServer() do it
#pragma once

#include <memory>

#include "common/status.h"
#include "server/http/http_handler.h"
#include "server/http/http_message.h"
#include "server/http/http_server_options.h"

namespace vit::server::http {

class HttpServer {
 public:
  /// Validates `options`, loads the TLS files, binds host:port and starts
  /// serving on options.io_threads threads. `handler` must outlive the
  /// server (Stop() or its destructor). INVALID_ARGUMENT for bad options or
  /// TLS files, UNAVAILABLE when the address cannot be bound.
  static StatusOr<std::unique_ptr<HttpServer>> Start(const HttpServerOptions& options,
                                                     HttpHandler* handler);
  ~HttpServer();  // Stop()
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  /// The bound port (the real one when options.port was 0).
  int port() const;

  /// Stops accepting, closes idle connections, lets requests in flight get
  /// their replies written (with Connection: close) for up to
  /// options.drain_timeout, then closes every connection and joins the I/O
  /// threads. Replies that come later are dropped. Safe to call twice and
  /// from any thread but an I/O thread (a handler).
  void Stop();

 private:
  struct Impl;
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace vit::server::http
