#include "server/repository/repository_scan.h"

#include <algorithm>
#include <filesystem>
#include <system_error>

namespace vit::server::repository {
namespace {

namespace fs = std::filesystem;

// Triton's rule: a version folder's name is a positive decimal number
// without a leading zero.
bool IsVersionName(const std::string& name) {
  if (name.empty() || name.size() > 18 || name[0] == '0') return false;
  return std::all_of(name.begin(), name.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool IsWeightsFile(const fs::path& path) {
  const std::string ext = path.extension().string();
  return ext == ".safetensors" || ext == ".pth" || ext == ".pt" || ext == ".bin";
}

// "name:size:mtime;" for each regular file of `folder` (sorted), plus `extra`.
void AddFingerprint(const fs::path& file, std::string* out) {
  std::error_code ec;
  const auto size = fs::file_size(file, ec);
  const auto mtime = fs::last_write_time(file, ec).time_since_epoch().count();
  *out += file.filename().string() + ":" + std::to_string(ec ? 0 : size) + ":" +
          std::to_string(mtime) + ";";
}

ModelVersionSource ScanVersion(int64_t version, const fs::path& folder,
                               const fs::path& settings_file) {
  ModelVersionSource source;
  source.version = version;
  source.path = folder.string();
  std::vector<fs::path> files;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(folder, ec)) {
    if (entry.is_regular_file(ec)) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  for (const fs::path& file : files) {
    AddFingerprint(file, &source.fingerprint);
    if (IsWeightsFile(file)) source.weights_bytes += static_cast<int64_t>(fs::file_size(file, ec));
  }
  if (fs::exists(settings_file, ec)) AddFingerprint(settings_file, &source.fingerprint);
  return source;
}

}  // namespace

RepositoryModel ScanModel(const std::string& name, const std::string& folder) {
  RepositoryModel model;
  model.name = name;
  model.folder = folder;
  StatusOr<ModelSettings> settings = ReadModelSettings(folder);
  if (settings.ok()) {
    model.settings = *settings;
  } else {
    model.settings_status = settings.status();
  }
  const fs::path root(folder);
  const fs::path settings_file = root / kModelSettingsFile;
  std::error_code ec;
  if (fs::is_regular_file(root / "config.json", ec)) {
    model.versions.push_back(ScanVersion(1, root, settings_file));
    return model;
  }
  for (const auto& entry : fs::directory_iterator(root, ec)) {
    const std::string version = entry.path().filename().string();
    if (!entry.is_directory(ec) || !IsVersionName(version)) continue;
    model.versions.push_back(ScanVersion(std::stoll(version), entry.path(), settings_file));
  }
  std::sort(model.versions.begin(), model.versions.end(),
            [](const auto& a, const auto& b) { return a.version < b.version; });
  return model;
}

StatusOr<std::vector<RepositoryModel>> ScanRepository(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    return NotFoundError("model repository '" + dir + "' is not a readable folder");
  std::vector<RepositoryModel> models;
  fs::directory_iterator it(dir, ec);
  if (ec) return NotFoundError("cannot list model repository '" + dir + "': " + ec.message());
  for (const auto& entry : it) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || name[0] == '.' || !entry.is_directory(ec)) continue;
    models.push_back(ScanModel(name, entry.path().string()));
  }
  std::sort(models.begin(), models.end(),
            [](const auto& a, const auto& b) { return a.name < b.name; });
  return models;
}

StatusOr<RepositoryModel> ScanSingleModel(const std::string& model_dir) {
  std::error_code ec;
  fs::path path = fs::path(model_dir).lexically_normal();
  if (!fs::is_directory(path, ec))
    return NotFoundError("model folder '" + model_dir + "' is not a readable folder");
  std::string name = path.filename().string();
  if (name.empty()) name = path.parent_path().filename().string();  // "DIR/"
  if (name.empty() || name == "." || name == "..")
    name = fs::absolute(path, ec).lexically_normal().filename().string();
  return ScanModel(name, path.string());
}

StatusOr<ModelVersionSource> ServedVersion(const RepositoryModel& model) {
  const std::vector<int64_t>& allowed = model.settings.version_policy.specific;
  for (auto it = model.versions.rbegin(); it != model.versions.rend(); ++it) {
    if (allowed.empty() || std::find(allowed.begin(), allowed.end(), it->version) != allowed.end())
      return *it;
  }
  std::string on_disk;
  for (const auto& v : model.versions)
    on_disk += (on_disk.empty() ? "" : ", ") + std::to_string(v.version);
  std::string wanted;
  for (int64_t v : allowed) wanted += (wanted.empty() ? "" : ", ") + std::to_string(v);
  if (model.versions.empty()) {
    return NotFoundError("model '" + model.name + "' in " + model.folder +
                         " has no config.json and no version folders (1/, 2/, ...)");
  }
  return NotFoundError("model '" + model.name + "': version_policy.specific [" + wanted +
                       "] matches none of the versions on disk (" + on_disk + ")");
}

}  // namespace vit::server::repository
