// What a model repository holds on disk (no loading, no LibTorch): each
// subfolder of the repository is a model named by the folder, either a model
// folder itself (config.json + weights: version 1) or numeric version
// subfolders (name/1/, name/2/; names that are not all digits or start with
// '0' are ignored, as Triton does), and an optional name/vit-serve.json
// (server/repository/model_settings.h).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "server/repository/model_settings.h"

namespace vit::server::repository {

struct ModelVersionSource {
  int64_t version = 0;
  /// The folder holding config.json and the weights.
  std::string path;
  /// Names, sizes and modification times of its files and of the settings
  /// file: what a rescan compares to tell that a version changed on disk.
  std::string fingerprint;
  /// Bytes of its weight files (*.safetensors, *.pth, *.pt, *.bin).
  int64_t weights_bytes = 0;
};

struct RepositoryModel {
  std::string name;
  std::string folder;
  /// Ascending by version.
  std::vector<ModelVersionSource> versions;
  /// The settings file's parse result; when not OK the model cannot load
  /// and the index shows this reason.
  Status settings_status;
  ModelSettings settings;
};

/// Every model under `dir`, sorted by name. NOT_FOUND when `dir` is not a
/// readable folder. Files at the top level and hidden folders are ignored.
StatusOr<std::vector<RepositoryModel>> ScanRepository(const std::string& dir);

/// One model folder (plain or with version subfolders) named `name`.
RepositoryModel ScanModel(const std::string& name, const std::string& folder);

/// `--model DIR`: a repository of one, named by the folder's last component.
StatusOr<RepositoryModel> ScanSingleModel(const std::string& model_dir);

/// The version to serve: the highest on disk that the version policy allows.
/// NOT_FOUND (naming the model and what is on disk) when there is none.
StatusOr<ModelVersionSource> ServedVersion(const RepositoryModel& model);

}  // namespace vit::server::repository
