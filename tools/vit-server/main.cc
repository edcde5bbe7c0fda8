// vit-server: serves a ViT image classifier over gRPC (see server/).
#include <CLI/CLI.hpp>

#include "server/logging.h"
#include "server/server_options.h"
#include "server/server_runner.h"
#include "server/shutdown_signal.h"

int main(int argc, char** argv) {
  // Before any thread exists, so that only the server's signal thread sees them.
  vit::server::BlockTerminationSignals();
  CLI::App app{"vit-server: ViT image classification over gRPC"};
  vit::server::ServerOptions options;
  vit::server::AddServerFlags(&app, &options);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 1;  // --help is 0; usage errors are 1
  }
  if (vit::Status status =
          vit::server::ConfigureLogging(options.logging.level, options.logging.format);
      !status.ok()) {
    return 1;
  }
  return vit::server::RunServer(options);
}
