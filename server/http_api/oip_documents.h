// The JSON documents of the Open Inference Protocol's REST GET endpoints:
// server and model metadata (the KServe v2 REST specification), and Triton's
// model configuration and statistics extensions, in the field names and
// shapes Triton writes them (so tritonclient and perf_analyzer read them).
#pragma once

#include <string>
#include <vector>

#include "server/model_statistics.h"
#include "server/oip/model_metadata.h"

namespace vit::server::http_api {

/// GET /v2: {"name", "version", "extensions"}.
std::string ServerMetadataJson(const oip::ServerMetadata& metadata);
/// GET /v2/models/{m}: {"name", "versions", "platform", "inputs", "outputs"}.
std::string ModelMetadataJson(const oip::ModelMetadata& metadata);
/// GET /v2/models/{m}/config: Triton's ModelConfig as JSON ("input" /
/// "output" with "data_type" TYPE_STRING / TYPE_FP32 and "dims",
/// "dynamic_batching").
std::string ModelConfigJson(const oip::ModelConfig& config);
/// One model version's statistics, as ModelStatisticsJson lists them.
struct ModelStatisticsEntry {
  std::string name;
  std::string version;
  ModelStatisticsSnapshot stats;
};
/// GET /v2/models/{m}/stats: {"model_stats": [one model]}.
std::string ModelStatisticsJson(const std::string& name, const std::string& version,
                                const ModelStatisticsSnapshot& stats);
/// GET /v2/models/stats: {"model_stats": [every model, in the given order]}.
std::string ModelStatisticsJson(const std::vector<ModelStatisticsEntry>& models);
/// /v2/health/{live,ready}: {"live": true} / {"ready": ...}; model ready
/// adds "name".
std::string ReadyJson(const char* key, bool value, const std::string& name = "");

}  // namespace vit::server::http_api
