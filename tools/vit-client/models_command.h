// `vit-client models list|load|unload|reload [NAME]`: the server's model
// repository through the --protocol front door (FrontDoor::ListModels,
// LoadModel, UnloadModel).
#pragma once

#include <string>

#include "rpc/channel.h"
#include "tools/vit-client/open_front_door.h"

namespace vit::client {

struct ModelsOptions {
  /// "list", "load", "unload" or "reload" (a load of what the repository
  /// holds now). Required.
  std::string action;
  /// The model; required by load, unload and reload, refused by list.
  std::string name;
  /// list: only the READY versions. Default false.
  bool ready_only = false;
  /// Print JSON: list an array of rows (ModelRowsJson), the others
  /// {"model", "action", "ok": true}. Default false.
  bool json = false;
};

/// 0 on success; 2 when the server answered an error (printed with its
/// code and message on stderr) or could not be reached; 1 for a usage error
/// (a missing or extra NAME).
int RunModels(const rpc::ConnectionOptions& connection, const FrontDoorOptions& door,
              const ModelsOptions& options);

}  // namespace vit::client
