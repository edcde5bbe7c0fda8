#include "bench/score/random_model.h"

#include <torch/torch.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "model/safetensors.h"
#include "model/vision_transformer.h"
#include "training/fashion_mnist_vit.h"
#include "training/idx_dataset.h"

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
    c = training::FashionMnistVitConfig();
    preset.config_json = {{"architecture", "vit_fashion_mnist"},
                          {"num_classes", c.num_classes},
                          {"model_args",
                           {{"embed_dim", c.embed_dim},
                            {"depth", c.depth},
                            {"num_heads", c.num_heads},
                            {"img_size", c.img_height},
                            {"patch_size", c.patch_size},
                            {"in_chans", c.in_chans}}},
                          {"pretrained_cfg",
                           {{"input_size", {c.in_chans, c.img_height, c.img_width}},
                            {"interpolation", "bilinear"},
                            {"crop_pct", 1.0},
                            {"mean", {0.286}},
                            {"std", {0.353}},
                            {"label_names", training::FashionMnistLabels()}}}};
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
