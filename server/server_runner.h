// vit-server's life cycle: bind, load and warm up the model, serve, and on
// SIGTERM / SIGINT drain gracefully.
#pragma once

#include "server/server_options.h"

namespace vit::server {

/// Runs the server until SIGTERM or SIGINT; returns the process exit code
/// (0 after a clean drain, 1 when start-up fails). BlockTerminationSignals()
/// must have been called before any thread was started.
int RunServer(const ServerOptions& options);

}  // namespace vit::server
