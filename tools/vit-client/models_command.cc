#include "tools/vit-client/models_command.h"

#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <utility>
#include <vector>

#include "rpc/status_mapping.h"
#include "tools/vit-client/model_rows.h"

namespace vit::client {
namespace {

// Missing or extra NAME; "" when the arguments fit the action.
std::string UsageError(const ModelsOptions& options) {
  if (options.action == "list") {
    return options.name.empty() ? ""
                                : "models list takes no model name (got '" + options.name + "')";
  }
  if (options.action != "load" && options.action != "unload" && options.action != "reload")
    return "models: unknown action '" + options.action + "'; use list, load, unload or reload";
  if (options.name.empty()) return "models " + options.action + " needs a model name";
  if (options.ready_only) return "--ready is for models list only";
  return "";
}

void PrintError(const std::string& what, const grpc::Status& status) {
  std::cerr << what << ": " << rpc::GrpcCodeName(status.error_code()) << ": "
            << status.error_message() << "\n";
}

int RunList(FrontDoor* door, const ModelsOptions& options) {
  std::vector<ModelRow> rows;
  if (grpc::Status status = door->ListModels(options.ready_only, &rows); !status.ok()) {
    PrintError("models list", status);
    return 2;
  }
  if (options.json) {
    std::cout << ModelRowsJson(rows).dump(2) << "\n";
  } else {
    std::cout << ModelTable(rows);
  }
  return 0;
}

int RunControl(FrontDoor* door, const ModelsOptions& options) {
  const bool unload = options.action == "unload";
  const grpc::Status status =
      unload ? door->UnloadModel(options.name) : door->LoadModel(options.name);
  if (!status.ok()) {
    PrintError("models " + options.action + " " + options.name, status);
    return 2;
  }
  if (options.json) {
    std::cout
        << nlohmann::json{{"model", options.name}, {"action", options.action}, {"ok", true}}.dump()
        << "\n";
  } else {
    const char* done = unload ? "unloaded" : options.action == "reload" ? "reloaded" : "loaded";
    std::cout << options.name << " " << done << "\n";
  }
  return 0;
}

}  // namespace

int RunModels(const rpc::ConnectionOptions& connection, const FrontDoorOptions& door_options,
              const ModelsOptions& options) {
  if (const std::string usage = UsageError(options); !usage.empty()) {
    std::cerr << usage << "\n";
    return 1;
  }
  StatusOr<std::unique_ptr<FrontDoor>> door = OpenFrontDoor(door_options, connection);
  if (!door.ok()) {
    std::cerr << door.status().message() << "\n";
    return 2;
  }
  return options.action == "list" ? RunList(door->get(), options)
                                  : RunControl(door->get(), options);
}

}  // namespace vit::client
