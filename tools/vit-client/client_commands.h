// vit-client's commands against a running vit-server: classify, health, info.
#pragma once

#include <string>
#include <vector>

#include "rpc/channel.h"

namespace vit::client {

struct ClassifyOptions {
  /// Predictions per image; 0 = the server's default. Default 0.
  int top_k = 0;
  /// Model name; "" = the served model. Default "".
  std::string model;
  /// One JSON object per image instead of text. Default false.
  bool json = false;
};

/// Classifies each file and prints its predictions; returns 0 when all
/// succeeded, 2 when some failed.
int RunClassify(const rpc::ConnectionOptions& connection, const ClassifyOptions& options,
                const std::vector<std::string>& files);

/// Prints the health status; returns 0 only when SERVING, else 2.
int RunHealth(const rpc::ConnectionOptions& connection);

/// Prints the model description (JSON with `json`); 0 on success, else 2.
int RunInfo(const rpc::ConnectionOptions& connection, bool json);

}  // namespace vit::client
