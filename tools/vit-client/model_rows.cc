#include "tools/vit-client/model_rows.h"

#include <algorithm>

namespace vit::client {
namespace {

// A string member of `entry`, "" when absent; false when present and not a string.
bool ReadString(const nlohmann::json& entry, const char* key, std::string* out) {
  const auto it = entry.find(key);
  if (it == entry.end()) return true;
  if (!it->is_string()) return false;
  *out = it->get<std::string>();
  return true;
}

std::string DefaultColumn(const ModelRow& row) {
  if (!row.default_version.has_value()) return "-";
  if (!*row.default_version) return "";
  return row.default_model.value_or(false) ? "model" : "yes";
}

// `text` and spaces up to `width`, then the two between columns.
std::string Pad(const std::string& text, size_t width) {
  return text + std::string(width - std::min(width, text.size()) + 2, ' ');
}

nlohmann::json OptionalBool(const std::optional<bool>& value) {
  return value.has_value() ? nlohmann::json(*value) : nlohmann::json(nullptr);
}

}  // namespace

std::vector<ModelRow> RowsFromListModels(const v1::ListModelsResponse& response) {
  std::vector<ModelRow> rows;
  for (const v1::ListedModel& model : response.models()) {
    for (const v1::ModelVersionState& version : model.versions()) {
      rows.push_back({model.name(), version.version(), version.state(), version.reason(),
                      version.is_default(), model.is_default_model()});
    }
  }
  return rows;
}

std::vector<ModelRow> RowsFromRepositoryIndex(const inference::RepositoryIndexResponse& response) {
  std::vector<ModelRow> rows;
  for (const auto& model : response.models()) {
    rows.push_back(
        {model.name(), model.version(), model.state(), model.reason(), std::nullopt, std::nullopt});
  }
  return rows;
}

StatusOr<std::vector<ModelRow>> RowsFromIndexJson(std::string_view body) {
  const nlohmann::json index = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!index.is_array()) return DataLossError("the repository index is not a JSON array");
  std::vector<ModelRow> rows;
  for (const nlohmann::json& entry : index) {
    ModelRow row;
    if (!entry.is_object() || !ReadString(entry, "name", &row.name) ||
        !ReadString(entry, "version", &row.version) || !ReadString(entry, "state", &row.state) ||
        !ReadString(entry, "reason", &row.reason) || row.name.empty()) {
      return DataLossError(
          "a repository index entry is not {\"name\", \"version\", \"state\", "
          "\"reason\"} strings: " +
          entry.dump());
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

std::string ModelTable(const std::vector<ModelRow>& rows) {
  if (rows.empty()) return "no models\n";
  size_t name_width = 4, version_width = 7, state_width = 5;
  for (const ModelRow& row : rows) {
    name_width = std::max(name_width, row.name.size());
    version_width = std::max(version_width, row.version.size());
    state_width = std::max(state_width, row.state.size());
  }
  std::string out;
  const auto line = [&](const std::string& name, const std::string& version,
                        const std::string& state, const std::string& is_default,
                        const std::string& reason) {
    out += Pad(name, name_width) + Pad(version, version_width) + Pad(state, state_width) +
           Pad(is_default, 7) + reason;
    while (!out.empty() && out.back() == ' ') out.pop_back();
    out += "\n";
  };
  line("NAME", "VERSION", "STATE", "DEFAULT", "REASON");
  for (const ModelRow& row : rows)
    line(row.name, row.version, row.state, DefaultColumn(row), row.reason);
  return out;
}

nlohmann::json ModelRowsJson(const std::vector<ModelRow>& rows) {
  nlohmann::json out = nlohmann::json::array();
  for (const ModelRow& row : rows) {
    out.push_back({{"name", row.name},
                   {"version", row.version},
                   {"state", row.state},
                   {"reason", row.reason},
                   {"default_version", OptionalBool(row.default_version)},
                   {"default_model", OptionalBool(row.default_model)}});
  }
  return out;
}

}  // namespace vit::client
