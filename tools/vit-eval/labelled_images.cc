#include "tools/vit-eval/labelled_images.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <set>

namespace vit::eval {
namespace {

namespace fs = std::filesystem;

std::string Simplify(const std::string& text) {
  std::string out;
  for (unsigned char c : text)
    if (std::isalnum(c)) out.push_back(static_cast<char>(std::tolower(c)));
  return out;
}

bool IsImageFile(const fs::path& path) {
  static const std::set<std::string> kExtensions = {".jpg", ".jpeg", ".png", ".bmp", ".webp",
                                                    ".tif", ".tiff", ".pgm", ".ppm", ".pnm"};
  std::string ext = path.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return kExtensions.count(ext) > 0;
}

}  // namespace

int MatchClassFolder(const std::string& folder, const std::vector<std::string>& labels) {
  for (size_t i = 0; i < labels.size(); ++i)
    if (labels[i] == folder) return static_cast<int>(i);
  const std::string simple = Simplify(folder);
  for (size_t i = 0; i < labels.size(); ++i)
    if (!simple.empty() && Simplify(labels[i]) == simple) return static_cast<int>(i);
  if (!folder.empty() && std::all_of(folder.begin(), folder.end(), ::isdigit) &&
      folder.size() < 6) {
    const int index = std::stoi(folder);
    if (index < static_cast<int>(labels.size())) return index;
  }
  return -1;
}

StatusOr<LabelledImages> LoadLabelledImages(const std::string& dir, const std::string& split,
                                            const std::vector<std::string>& labels) {
  LabelledImages images;
  if (!fs::is_directory(dir)) return NotFoundError("data folder '" + dir + "' does not exist");
  if (training::HasIdxSplit(dir, split)) {
    VIT_ASSIGN_OR_RETURN(training::IdxDataset idx, training::LoadIdxSplit(dir, split));
    const int64_t max_label = idx.labels.max().item<int64_t>();
    if (max_label >= static_cast<int64_t>(labels.size())) {
      return InvalidArgumentError("IDX labels in '" + dir + "' go up to " +
                                  std::to_string(max_label) + " but the model has " +
                                  std::to_string(labels.size()) + " classes");
    }
    images.idx = std::move(idx);
    return images;
  }
  std::vector<fs::path> folders;
  for (const auto& entry : fs::directory_iterator(dir))
    if (entry.is_directory()) folders.push_back(entry.path());
  std::sort(folders.begin(), folders.end());
  for (const auto& folder : folders) {
    const int label = MatchClassFolder(folder.filename().string(), labels);
    if (label < 0) {
      return InvalidArgumentError("class folder '" + folder.string() +
                                  "' matches none of the model's labels");
    }
    std::vector<std::string> paths;
    for (const auto& entry : fs::directory_iterator(folder))
      if (entry.is_regular_file() && IsImageFile(entry.path()))
        paths.push_back(entry.path().string());
    std::sort(paths.begin(), paths.end());
    for (auto& path : paths) images.files.push_back({std::move(path), label});
  }
  if (images.files.empty()) {
    return InvalidArgumentError("'" + dir + "' holds neither " + split +
                                "-images-idx3-ubyte[.gz] nor class folders with images");
  }
  return images;
}

}  // namespace vit::eval
