#include "server/http_api/oip_documents.h"

#include <nlohmann/json.hpp>

#include "server/oip/tensor.h"

namespace vit::server::http_api {
namespace {

using nlohmann::json;

std::string Dump(const json& document) {
  // Labels come from checkpoint configs: bytes that are no UTF-8 are
  // replaced rather than failing the whole document.
  return document.dump(-1, ' ', false, json::error_handler_t::replace);
}

json TensorsJson(const std::vector<oip::TensorMetadata>& tensors) {
  json out = json::array();
  for (const auto& tensor : tensors) {
    out.push_back({{"name", tensor.name}, {"datatype", tensor.datatype}, {"shape", tensor.shape}});
  }
  return out;
}

// Triton's DataType enum names for our two datatypes.
std::string TritonDataType(const std::string& datatype) {
  if (datatype == oip::kBytes) return "TYPE_STRING";
  if (datatype == oip::kFp32) return "TYPE_FP32";
  return "TYPE_INVALID";
}

json ConfigTensorsJson(const std::vector<oip::TensorMetadata>& tensors, bool outputs) {
  json out = json::array();
  for (const auto& tensor : tensors) {
    json entry = {{"name", tensor.name},
                  {"data_type", TritonDataType(tensor.datatype)},
                  {"dims", tensor.shape}};
    if (!outputs) entry["format"] = "FORMAT_NONE";
    out.push_back(std::move(entry));
  }
  return out;
}

json DurationJson(const StatisticDuration& duration) {
  return {{"count", duration.count}, {"ns", duration.ns}};
}

}  // namespace

std::string ServerMetadataJson(const oip::ServerMetadata& metadata) {
  return Dump({{"name", metadata.name},
               {"version", metadata.version},
               {"extensions", metadata.extensions}});
}

std::string ModelMetadataJson(const oip::ModelMetadata& metadata) {
  return Dump({{"name", metadata.name},
               {"versions", metadata.versions},
               {"platform", metadata.platform},
               {"inputs", TensorsJson(metadata.inputs)},
               {"outputs", TensorsJson(metadata.outputs)}});
}

std::string ModelConfigJson(const oip::ModelConfig& config) {
  json document = {{"name", config.name},
                   {"platform", config.platform},
                   {"backend", config.backend},
                   {"max_batch_size", config.max_batch_size},
                   {"input", ConfigTensorsJson(config.inputs, /*outputs=*/false)},
                   {"output", ConfigTensorsJson(config.outputs, /*outputs=*/true)},
                   {"dynamic_batching",
                    {{"preferred_batch_size", config.preferred_batch_sizes},
                     {"max_queue_delay_microseconds", config.max_queue_delay_microseconds}}}};
  return Dump(document);
}

namespace {

json ModelStatsEntryJson(const std::string& name, const std::string& version,
                         const ModelStatisticsSnapshot& stats) {
  json batches = json::array();
  for (const auto& [batch_size, batch] : stats.batches) {
    batches.push_back({{"batch_size", batch_size},
                       {"compute_input", DurationJson(batch.compute_input)},
                       {"compute_infer", DurationJson(batch.compute_infer)},
                       {"compute_output", DurationJson(batch.compute_output)}});
  }
  json model = {{"name", name},
                {"version", version},
                {"last_inference", stats.last_inference_ms},
                {"inference_count", stats.inference_count},
                {"execution_count", stats.execution_count},
                {"inference_stats",
                 {{"success", DurationJson(stats.success)},
                  {"fail", DurationJson(stats.fail)},
                  {"queue", DurationJson(stats.queue)},
                  {"compute_input", DurationJson(stats.compute_input)},
                  {"compute_infer", DurationJson(stats.compute_infer)},
                  {"compute_output", DurationJson(stats.compute_output)}}},
                {"batch_stats", std::move(batches)}};
  return model;
}

}  // namespace

std::string ModelStatisticsJson(const std::string& name, const std::string& version,
                                const ModelStatisticsSnapshot& stats) {
  return ModelStatisticsJson({ModelStatisticsEntry{name, version, stats}});
}

std::string ModelStatisticsJson(const std::vector<ModelStatisticsEntry>& models) {
  json list = json::array();
  for (const ModelStatisticsEntry& m : models)
    list.push_back(ModelStatsEntryJson(m.name, m.version, m.stats));
  json document = {{"model_stats", std::move(list)}};
  return Dump(document);
}

std::string ReadyJson(const char* key, bool value, const std::string& name) {
  json document = json::object();
  if (!name.empty()) document["name"] = name;
  document[key] = value;
  return Dump(document);
}

}  // namespace vit::server::http_api
