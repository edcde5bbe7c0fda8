// Makes the HttpReply a handler gets: exactly one response reaches the
// connection, a 500 when the handler drops the reply, nothing once the server
// stopped.
#pragma once

#include <memory>

#include "server/http/connection_registry.h"
#include "server/http/http_handler.h"

namespace vit::server::http {

/// The reply to `request` on `connection`. Holds the connection weakly (a
/// connection that closed meanwhile is simply gone) and `request` strongly,
/// so the request outlives the handler's use of it.
HttpReply MakeHttpReply(std::shared_ptr<ConnectionRegistry> registry,
                        std::weak_ptr<LiveConnection> connection,
                        std::shared_ptr<const HttpRequest> request);

}  // namespace vit::server::http
