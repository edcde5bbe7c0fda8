#include "server/repository/model_settings.h"

#include <sys/stat.h>

#include <nlohmann/json.hpp>

#include "common/file_util.h"

namespace vit::server::repository {
namespace {

using Json = nlohmann::json;

class SettingsParser {
 public:
  explicit SettingsParser(const std::string& path) : path_(path) {}

  Status Error(const std::string& field, const std::string& message) const {
    return InvalidArgumentError(path_ + ": " + (field.empty() ? "" : "field '" + field + "': ") +
                                message);
  }

  // An integer field in [min, max]; absent leaves `out` unset.
  template <typename T>
  Status Integer(const Json& doc, const std::string& field, int64_t min, std::optional<T>* out) {
    auto it = doc.find(field);
    if (it == doc.end()) return Status::Ok();
    if (!it->is_number_integer()) return Error(field, "must be an integer; got " + it->dump());
    const int64_t value = it->get<int64_t>();
    if (value < min || value > int64_t{1} << 31)
      return Error(field, "must be >= " + std::to_string(min) + "; got " + std::to_string(value));
    *out = static_cast<T>(value);
    return Status::Ok();
  }

  Status Dtype(const Json& doc, std::optional<std::string>* out) {
    auto it = doc.find("dtype");
    if (it == doc.end()) return Status::Ok();
    if (!it->is_string()) return Error("dtype", "must be a string; got " + it->dump());
    const std::string value = it->get<std::string>();
    if (value != "auto" && value != "fp32" && value != "bf16" && value != "int8")
      return Error("dtype", "must be one of auto, fp32, bf16, int8; got '" + value + "'");
    *out = value;
    return Status::Ok();
  }

  Status Versions(const Json& list, VersionPolicy* policy) {
    const std::string field = "version_policy.specific";
    if (!list.is_array() || list.empty())
      return Error(field, "must be a non-empty list of version numbers; got " + list.dump());
    for (const Json& v : list) {
      if (!v.is_number_integer() || v.get<int64_t>() < 1)
        return Error(field, "versions must be integers >= 1; got " + v.dump());
      policy->specific.push_back(v.get<int64_t>());
    }
    return Status::Ok();
  }

  Status Policy(const Json& doc, VersionPolicy* policy) {
    auto it = doc.find("version_policy");
    if (it == doc.end()) return Status::Ok();
    const std::string field = "version_policy";
    if (!it->is_object() || it->size() != 1)
      return Error(field, "must hold exactly one of 'latest', 'specific'; got " + it->dump());
    const std::string kind = it->begin().key();
    const Json& value = it->begin().value();
    if (kind == "latest") {
      auto n = value.is_object() ? value.find("num_versions") : value.end();
      if (value.is_object() && n != value.end() && !(n->is_number_integer() && *n == 1))
        return Error(
            "version_policy.latest.num_versions",
            "must be 1 (vit-serve serves one version of a model at a time); got " + n->dump());
      return Status::Ok();
    }
    if (kind == "specific") {
      if (value.is_object()) {
        auto versions = value.find("versions");
        if (versions == value.end() || value.size() != 1)
          return Error("version_policy.specific", "must be {\"versions\": [...]} or a list");
        return Versions(*versions, policy);
      }
      return Versions(value, policy);
    }
    if (kind == "all")
      return Error(field, "'all' is not supported: vit-serve serves one version at a time");
    return Error(field, "unknown policy '" + kind + "'; use 'latest' or 'specific'");
  }

 private:
  const std::string path_;
};

bool FileExists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

}  // namespace

StatusOr<ModelSettings> ParseModelSettings(const std::string& text, const std::string& path) {
  SettingsParser parser(path);
  Json doc = Json::parse(text, /*cb=*/nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return parser.Error("", "is not valid JSON");
  if (!doc.is_object()) return parser.Error("", "must hold a JSON object; got " + doc.dump());
  static const char* const kFields[] = {
      "version_policy", "max_batch_size", "max_queue_delay_microseconds",
      "dtype",          "threads",        "default_top_k"};
  for (const auto& item : doc.items()) {
    bool known = false;
    for (const char* field : kFields) known |= item.key() == field;
    if (!known) return parser.Error(item.key(), "unknown field");
  }
  ModelSettings settings;
  VIT_RETURN_IF_ERROR(parser.Policy(doc, &settings.version_policy));
  VIT_RETURN_IF_ERROR(parser.Integer(doc, "max_batch_size", 1, &settings.max_batch_size));
  VIT_RETURN_IF_ERROR(parser.Integer(doc, "max_queue_delay_microseconds", 0,
                                     &settings.max_queue_delay_microseconds));
  VIT_RETURN_IF_ERROR(parser.Dtype(doc, &settings.dtype));
  VIT_RETURN_IF_ERROR(parser.Integer(doc, "threads", 0, &settings.threads));
  VIT_RETURN_IF_ERROR(parser.Integer(doc, "default_top_k", 1, &settings.default_top_k));
  return settings;
}

StatusOr<ModelSettings> ReadModelSettings(const std::string& model_folder) {
  const std::string path = model_folder + "/" + kModelSettingsFile;
  if (!FileExists(path)) return ModelSettings();
  StatusOr<std::string> text = ReadFileToString(path);
  if (!text.ok()) return text.status();
  return ParseModelSettings(*text, path);
}

}  // namespace vit::server::repository
