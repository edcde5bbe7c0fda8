// What the transport calls for each request: an HttpHandler, given the request
// and the HttpReply that answers it.
#pragma once

#include <functional>
#include <memory>

#include "server/http/http_message.h"

namespace vit::server::http {

/// Answers one request. Call it once, from any thread (often a pipeline
/// thread after inference finished); copies share that one call, later calls
/// are ignored. When every copy is destroyed uncalled (a handler bug), the
/// client gets a 500. After the server stopped, or the client went away, the
/// response is dropped; calling it is always safe, even after ~HttpServer().
using HttpReply = std::function<void(HttpResponse)>;

class HttpHandler {
 public:
  virtual ~HttpHandler() = default;
  /// Runs on an I/O thread: must not block (hand slow work to another thread
  /// and reply from there). May call `reply` inline or later. `request` stays
  /// alive at least until `reply` ran or was destroyed. Exceptions are
  /// swallowed (the dropped reply then answers 500).
  virtual void Handle(std::shared_ptr<const HttpRequest> request, HttpReply reply) = 0;
};

}  // namespace vit::server::http
