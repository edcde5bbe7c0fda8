// What every connection of one HttpServer shares; held by shared_ptr so it
// outlives the last connection, whichever thread lets that one go.
#pragma once

#include <boost/asio/ssl/context.hpp>
#include <memory>

#include "server/http/connection_registry.h"
#include "server/http/http_handler.h"
#include "server/http/http_server_options.h"

namespace vit::server::http {

struct ServerState {
  HttpServerOptions options;
  HttpHandler* handler = nullptr;
  /// Null: plain HTTP.
  std::shared_ptr<boost::asio::ssl::context> tls;
  std::shared_ptr<ConnectionRegistry> connections;
};

}  // namespace vit::server::http
