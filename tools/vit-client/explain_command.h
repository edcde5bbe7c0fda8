// vit-client explain: asks vit.v1 Explain for each image and writes the
// heat-map overlay as DIR/NAME.explain.png (NAME = the file's name without
// its extension); prints the top-1 prediction and the path written.
#pragma once

#include <string>
#include <vector>

#include "rpc/channel.h"
#include "tools/vit-client/open_front_door.h"

namespace vit::client {

struct ExplainOptions {
  /// Folder the overlays go to; created when missing. Required.
  std::string out_dir;
  /// "rollout" (default) or "attention".
  std::string method = "rollout";
  /// "mean" (default), "max" or "min".
  std::string head_fusion = "mean";
  /// In [0, 1). Default 0.
  float discard_ratio = 0.0f;
  /// Predictions asked for (the first is printed); 0 = the server's default.
  int top_k = 0;
};

/// The overlay path of `file` under `out_dir`.
std::string ExplainOutputPath(const std::string& out_dir, const std::string& file);

/// Explains each file (vit protocol only); 0 when all succeeded, 2 when
/// some failed, 1 for a protocol other than vit or an unusable --out.
int RunExplain(const rpc::ConnectionOptions& connection, const FrontDoorOptions& door,
               const ExplainOptions& options, const std::vector<std::string>& files);

}  // namespace vit::client
