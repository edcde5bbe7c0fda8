#include "score/explain_output.h"

#include <cstdio>
#include <filesystem>

namespace vit::score {

namespace fs = std::filesystem;

std::string ExplainOverlayPath(const std::string& dir, const std::string& scored_path) {
  fs::path relative;
  for (const fs::path& part : fs::path(scored_path).lexically_normal().relative_path())
    relative /= part == ".." ? fs::path("__") : part;
  return (fs::path(dir) / relative).string() + ".explain.png";
}

Status WriteExplainOverlay(const std::string& dir, const std::string& scored_path,
                           const std::string& png) {
  const std::string path = ExplainOverlayPath(dir, scored_path);
  std::error_code ec;
  fs::create_directories(fs::path(path).parent_path(), ec);
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) return InternalError("cannot write the overlay " + path);
  const bool written = std::fwrite(png.data(), 1, png.size(), f) == png.size();
  if (std::fclose(f) != 0 || !written) return InternalError("cannot write the overlay " + path);
  return Status::Ok();
}

}  // namespace vit::score
