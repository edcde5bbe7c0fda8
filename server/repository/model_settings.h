// A model's optional settings file, DIR/name/vit-serve.json: which versions
// may be served and per-model values that override the server's flags.
//
// Schema (every field optional; unknown fields are an error, so a typo is
// not silently ignored):
//   {
//     "version_policy": {"latest": {"num_versions": 1}}      (the default)
//                     | {"specific": {"versions": [1, 3]}}    (Triton's form)
//                     | {"specific": [1, 3]},                 (short form)
//     "max_batch_size": 8,                   >= 1, overrides --max-batch-size
//     "max_queue_delay_microseconds": 1000,  >= 0, overrides --max-queue-delay-microseconds
//     "dtype": "fp32",          auto|fp32|bf16|int8, overrides --dtype
//     "threads": 2,             >= 0 (0 = all cores), overrides --threads
//     "default_top_k": 5        >= 1, overrides --default-top-k
//   }
// One version of a model is served at a time: the highest version the policy
// allows (so latest.num_versions must be 1; "all" is refused).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"

namespace vit::server::repository {

/// The settings file's name inside a model's folder.
inline constexpr const char* kModelSettingsFile = "vit-serve.json";

struct VersionPolicy {
  /// Empty = the latest (highest) version on disk; otherwise the versions
  /// that may be served (the highest of them present on disk is).
  std::vector<int64_t> specific;
};

struct ModelSettings {
  VersionPolicy version_policy;
  std::optional<int> max_batch_size;
  std::optional<int64_t> max_queue_delay_microseconds;
  std::optional<std::string> dtype;
  std::optional<int> threads;
  std::optional<int> default_top_k;
};

/// Parses the settings file's text; `path` names the file in errors, which
/// also name the field (INVALID_ARGUMENT).
StatusOr<ModelSettings> ParseModelSettings(const std::string& text, const std::string& path);

/// Reads `model_folder`/vit-serve.json; default settings when there is none.
StatusOr<ModelSettings> ReadModelSettings(const std::string& model_folder);

}  // namespace vit::server::repository
