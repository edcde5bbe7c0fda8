#include "server/http_api/repository_documents.h"

#include <nlohmann/json.hpp>

namespace vit::server::http_api {
namespace {

bool IsBlank(std::string_view body) {
  return body.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

// The body as a JSON object; an empty object for a blank body.
StatusOr<nlohmann::json> ParseObject(std::string_view body, const char* what) {
  if (body.size() > kMaxRepositoryBodyBytes) {
    return InvalidArgumentError(std::string(what) + ": the body has " +
                                std::to_string(body.size()) + " bytes; at most " +
                                std::to_string(kMaxRepositoryBodyBytes) + " are accepted");
  }
  if (IsBlank(body)) return nlohmann::json::object();
  nlohmann::json json = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded())
    return InvalidArgumentError(std::string(what) + ": the body is not JSON");
  if (!json.is_object())
    return InvalidArgumentError(std::string(what) + ": the body must be a JSON object");
  return json;
}

}  // namespace

StatusOr<bool> ParseIndexRequest(std::string_view body) {
  VIT_ASSIGN_OR_RETURN(const nlohmann::json json, ParseObject(body, "RepositoryIndex"));
  bool ready = false;
  for (const auto& [key, value] : json.items()) {
    if (key != "ready")
      return InvalidArgumentError("RepositoryIndex: unknown key '" + key + "'; only \"ready\"");
    if (!value.is_boolean())
      return InvalidArgumentError("RepositoryIndex: \"ready\" must be true or false");
    ready = value.get<bool>();
  }
  return ready;
}

StatusOr<std::vector<std::string>> ParseControlParameters(std::string_view body) {
  VIT_ASSIGN_OR_RETURN(const nlohmann::json json, ParseObject(body, "model control"));
  std::vector<std::string> names;
  for (const auto& [key, value] : json.items()) {
    if (key != "parameters") {
      return InvalidArgumentError("model control: unknown key '" + key + "'; only \"parameters\"");
    }
    if (!value.is_object())
      return InvalidArgumentError("model control: \"parameters\" must be a JSON object");
    for (const auto& parameter : value.items()) names.push_back(parameter.key());
  }
  return names;
}

std::string RepositoryIndexJson(const std::vector<ModelIndexEntry>& entries) {
  nlohmann::json out = nlohmann::json::array();
  for (const ModelIndexEntry& entry : entries) {
    out.push_back({{"name", entry.name},
                   {"version", entry.version},
                   {"state", entry.state},
                   {"reason", entry.reason}});
  }
  return out.dump();
}

}  // namespace vit::server::http_api
