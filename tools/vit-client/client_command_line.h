// vit-client's command line: the connection flags and the front door
// (--protocol, --model), accepted before or after the subcommand, and one
// subcommand per command (classify, explain, health, info, load, models) bound to its
// Options; then the run of the subcommand given.
#pragma once

#include <string>
#include <vector>

#include "rpc/channel.h"
#include "tools/vit-client/client_commands.h"
#include "tools/vit-client/explain_command.h"
#include "tools/vit-client/load_generator.h"
#include "tools/vit-client/models_command.h"
#include "tools/vit-client/open_front_door.h"

namespace CLI {
class App;
class Option;
}  // namespace CLI

namespace vit::client {

/// What the flags fill.
struct ClientArguments {
  rpc::ConnectionOptions connection;
  FrontDoorOptions door;
  ClassifyOptions classify;
  std::vector<std::string> classify_files;
  ExplainOptions explain;
  std::vector<std::string> explain_files;
  bool info_json = false;
  LoadOptions load;
  std::vector<std::string> load_files;
  ModelsOptions models;
};

/// The subcommands, to tell which one was given.
struct ClientCommands {
  CLI::App* classify = nullptr;
  CLI::App* explain = nullptr;
  CLI::App* health = nullptr;
  CLI::App* info = nullptr;
  CLI::App* load = nullptr;
  CLI::App* models = nullptr;
  /// --server, to tell whether it was given (flag or env).
  CLI::Option* server = nullptr;
};

/// Adds the connection flags to `app` and the subcommands (exactly one
/// required) with their own flags, all bound to `arguments`.
ClientCommands AddClientCommands(CLI::App* app, ClientArguments* arguments);

/// After parsing: without --server (or VIT_SERVER), oip-http goes to its
/// own default address (DefaultServerAddress: localhost:8000).
void ApplyProtocolDefaults(const ClientCommands& commands, ClientArguments* arguments);

/// Runs the parsed subcommand (the connection files already loaded); its
/// exit code: 0 ok, 2 some request failed, 1 usage error.
int RunClientCommand(const ClientCommands& commands, const ClientArguments& arguments);

}  // namespace vit::client
