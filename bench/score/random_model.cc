#include "bench/score/random_model.h"

#include <torch/torch.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "model/safetensors.h"
#include "model/vision_transformer.h"

namespace vit::bench {
namespace {

using Json = nlohmann::json;

struct Preset {
  VitConfig config;
  Json config_json;
};

StatusOr<Preset> FindPreset(const std::string& name) {
  Preset preset;
  VitConfig& c = preset.config;
  if (name == "vit-s16") {
    c.embed_dim = 384;
    c.depth = 12;
    c.num_heads = 6;
    c.mlp_hidden_dim = 1536;
    c.num_classes = 1000;
    preset.config_json = {
        {"architecture", "vit_small_patch16_224"},
        {"num_classes", 1000},
        {"model_args", {{"embed_dim", 384}, {"depth", 12}, {"num_heads", 6}, {"img_size", 224}}},
        {"pretrained_cfg",
         {{"input_size", {3, 224, 224}},
          {"interpolation", "bicubic"},
          {"crop_pct", 0.9},
          {"mean", {0.5, 0.5, 0.5}},
          {"std", {0.5, 0.5, 0.5}}}}};
    return preset;
  }
  if (name == "fashion-mnist") {
    c.img_height = c.img_width = 28;
    c.patch_size = 4;
    c.in_chans = 1;
    c.embed_dim = 128;
    c.depth = 6;
    c.num_heads = 4;
    c.mlp_hidden_dim = 256;
    c.num_classes = 10;
    preset.config_json = {{"architecture", "vit_fashion_mnist"},
                          {"num_classes", 10},
                          {"model_args",
                           {{"embed_dim", 128},
                            {"depth", 6},
                            {"num_heads", 4},
                            {"img_size", 28},
                            {"patch_size", 4},
                            {"in_chans", 1}}},
                          {"pretrained_cfg",
                           {{"input_size", {1, 28, 28}},
                            {"interpolation", "bilinear"},
                            {"crop_pct", 1.0},
                            {"mean", {0.286}},
                            {"std", {0.353}},
                            {"label_names",
                             {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal",
                              "Shirt", "Sneaker", "Bag", "Ankle boot"}}}}};
    return preset;
  }
  return InvalidArgumentError("unknown preset '" + name + "' (vit-s16, fashion-mnist)");
}

}  // namespace

Status WriteRandomModel(const std::string& preset_name, const std::string& dir, int seed) {
  auto preset = FindPreset(preset_name);
  VIT_RETURN_IF_ERROR(preset.status());
  torch::manual_seed(seed);
  VisionTransformer net(preset->config);
  TensorMap tensors;
  torch::NoGradGuard no_grad;
  for (const auto& item : net->named_parameters(/*recurse=*/true)) {
    // Small random weights, like a trained ViT's scale, so that activations stay finite.
    tensors.emplace_back(item.key(), torch::randn_like(item.value()) * 0.02);
  }
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return FailedPreconditionError(dir + ": " + ec.message());
  VIT_RETURN_IF_ERROR(WriteSafetensors(dir + "/model.safetensors", tensors));
  std::ofstream config(dir + "/config.json");
  config << preset->config_json.dump(2) << "\n";
  if (!config) return FailedPreconditionError(dir + "/config.json: write failed");
  return Status::Ok();
}

}  // namespace vit::bench
