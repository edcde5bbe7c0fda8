#include "tools/vit-bench/presets.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "model/imagenet_labels.h"
#include "model/model_saver.h"
#include "model/vision_transformer.h"

namespace vit::tools {
namespace {

namespace fs = std::filesystem;

struct Preset {
  const char* name;
  int embed_dim;
  int num_heads;
};

constexpr Preset kPresets[] = {
    {"vit_tiny_patch16_224", 192, 3},
    {"vit_small_patch16_224", 384, 6},
    {"vit_base_patch16_224", 768, 12},
};

const Preset* Find(const std::string& name) {
  for (const auto& p : kPresets) {
    if (name == p.name) return &p;
  }
  return nullptr;
}

Status WriteFolder(const Preset& preset, const fs::path& dir) {
  VitConfig config;  // 224 px, patch 16, depth 12, 1000 classes
  config.embed_dim = preset.embed_dim;
  config.num_heads = preset.num_heads;
  config.mlp_hidden_dim = 4 * preset.embed_dim;
  torch::manual_seed(0);
  VisionTransformer net(config);
  // timm's ViT eval transform (shorter side 248 = 224 / crop_pct 0.9, bicubic,
  // mean = std = 0.5); vit-bench feeds random tokens, so it is only recorded.
  PreprocessSpec spec;
  spec.resize_shorter_side = 248;
  spec.interpolation = Interpolation::kBicubic;
  spec.mean = {0.5f, 0.5f, 0.5f};
  spec.std = {0.5f, 0.5f, 0.5f};
  // Written beside the final name and renamed, so a concurrent reader never
  // sees a half-written folder.
  const fs::path tmp = dir.string() + ".tmp" + std::to_string(::getpid());
  std::error_code ec;
  fs::create_directories(tmp, ec);
  if (ec) return InternalError("cannot create '" + tmp.string() + "': " + ec.message());
  VIT_RETURN_IF_ERROR(SaveModelFolder(tmp.string(), net, ImageNet1kLabels(), spec));
  fs::rename(tmp, dir, ec);
  if (ec && !fs::is_directory(dir)) return InternalError("cannot create '" + dir.string() + "'");
  if (ec) fs::remove_all(tmp, ec);
  return Status::Ok();
}

}  // namespace

std::vector<std::string> PresetNames() {
  std::vector<std::string> names;
  for (const auto& p : kPresets) names.push_back(p.name);
  return names;
}

bool IsPreset(const std::string& name) { return Find(name) != nullptr; }

StatusOr<std::string> PresetFolder(const std::string& name, const std::string& cache_dir) {
  const Preset* preset = Find(name);
  if (preset == nullptr) return InvalidArgumentError("unknown preset '" + name + "'");
  const fs::path dir = fs::path(cache_dir) / name;
  if (fs::is_regular_file(dir / "model.safetensors")) return dir.string();
  std::error_code ec;
  fs::create_directories(cache_dir, ec);
  VIT_RETURN_IF_ERROR(WriteFolder(*preset, dir));
  return dir.string();
}

std::string DefaultPresetCache() {
  if (const char* env = std::getenv("VIT_BENCH_CACHE"); env != nullptr && *env != '\0') return env;
  const char* tmp = std::getenv("TMPDIR");
  return std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/vit-bench-presets";
}

}  // namespace vit::tools
