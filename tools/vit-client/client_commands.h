// vit-client's commands against a running server, through the front door
// --protocol chooses: classify, health, info.
#pragma once

#include <string>
#include <vector>

#include "rpc/channel.h"
#include "tools/vit-client/open_front_door.h"

namespace vit::client {

struct ClassifyOptions {
  /// Predictions per image; 0 = the server's default (vit.v1: 5, or all
  /// classes when fewer), 5 over OIP. Default 0.
  int top_k = 0;
  /// One JSON object per image instead of text. Default false.
  bool json = false;
};

/// Classifies each file and prints its predictions; returns 0 when all
/// succeeded, 2 when some failed (or the OIP model name could not be had).
int RunClassify(const rpc::ConnectionOptions& connection, const FrontDoorOptions& door,
                const ClassifyOptions& options, const std::vector<std::string>& files);

/// Prints the health status; returns 0 only when SERVING (OIP: live, ready
/// and, with --model, the model ready), else 2.
int RunHealth(const rpc::ConnectionOptions& connection, const FrontDoorOptions& door);

/// Prints the model description (JSON with `json`); 0 on success, else 2.
int RunInfo(const rpc::ConnectionOptions& connection, const FrontDoorOptions& door, bool json);

}  // namespace vit::client
