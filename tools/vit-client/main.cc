// vit-client: talks to a running vit-server (classify, explain, health, info, load, models)
// through vit.v1 or the Open Inference Protocol (gRPC or HTTP).
#include <CLI/CLI.hpp>
#include <iostream>

#include "tools/vit-client/client_command_line.h"

int main(int argc, char** argv) {
  CLI::App app{"vit-client: classify images with a running vit-server"};
  vit::client::ClientArguments arguments;
  const vit::client::ClientCommands commands = vit::client::AddClientCommands(&app, &arguments);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 1;  // --help is 0; usage errors are 1
  }
  vit::client::ApplyProtocolDefaults(commands, &arguments);
  if (vit::Status status = vit::rpc::LoadConnectionFiles(&arguments.connection); !status.ok()) {
    std::cerr << status.message() << "\n";
    return 1;
  }
  return vit::client::RunClientCommand(commands, arguments);
}
