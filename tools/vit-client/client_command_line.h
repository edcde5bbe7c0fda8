// vit-client's command line: the connection flags, accepted before or after
// the subcommand, and one subcommand per command (classify, health, info,
// load) bound to its Options; then the run of the subcommand given.
#pragma once

#include <string>
#include <vector>

#include "rpc/channel.h"
#include "tools/vit-client/client_commands.h"
#include "tools/vit-client/load_generator.h"

namespace CLI {
class App;
}

namespace vit::client {

/// What the flags fill.
struct ClientArguments {
  rpc::ConnectionOptions connection;
  ClassifyOptions classify;
  std::vector<std::string> classify_files;
  bool info_json = false;
  LoadOptions load;
  std::vector<std::string> load_files;
};

/// The subcommands, to tell which one was given.
struct ClientCommands {
  CLI::App* classify = nullptr;
  CLI::App* health = nullptr;
  CLI::App* info = nullptr;
  CLI::App* load = nullptr;
};

/// Adds the connection flags to `app` and the subcommands (exactly one
/// required) with their own flags, all bound to `arguments`.
ClientCommands AddClientCommands(CLI::App* app, ClientArguments* arguments);

/// Runs the parsed subcommand (the connection files already loaded); its
/// exit code: 0 ok, 2 some request failed, 1 usage error.
int RunClientCommand(const ClientCommands& commands, const ClientArguments& arguments);

}  // namespace vit::client
