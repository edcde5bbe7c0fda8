#include "bench/score/random_model.h"

#include <torch/torch.h>

#include "model/imagenet_labels.h"
#include "model/model_saver.h"
#include "model/vision_transformer.h"
#include "training/fashion_mnist_vit.h"
#include "training/idx_dataset.h"

namespace vit::bench {
namespace {

struct Preset {
  VitConfig config;
  PreprocessSpec spec;
  std::vector<std::string> labels;
};

StatusOr<Preset> FindPreset(const std::string& name) {
  Preset preset;
  VitConfig& c = preset.config;
  PreprocessSpec& spec = preset.spec;
  if (name == "vit-s16") {
    c.embed_dim = 384;
    c.depth = 12;
    c.num_heads = 6;
    c.mlp_hidden_dim = 1536;
    c.num_classes = 1000;
    spec.resize_shorter_side = 248;  // timm: floor(224 / crop_pct 0.9)
    spec.interpolation = Interpolation::kBicubic;
    spec.mean = {0.5f, 0.5f, 0.5f};
    spec.std = {0.5f, 0.5f, 0.5f};
    preset.labels = ImageNet1kLabels();
    return preset;
  }
  if (name == "fashion-mnist") {
    c = training::FashionMnistVitConfig();
    spec.channels = c.in_chans;
    spec.input_height = c.img_height;
    spec.input_width = c.img_width;
    spec.resize_shorter_side = c.img_height;  // crop_pct 1.0
    spec.interpolation = Interpolation::kBilinear;
    spec.mean = {0.286f};
    spec.std = {0.353f};
    spec.patch_size = c.patch_size;
    preset.labels = training::FashionMnistLabels();
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
  {
    torch::NoGradGuard no_grad;
    // Small random weights, like a trained ViT's scale, so that activations stay finite.
    for (const auto& item : net->named_parameters(/*recurse=*/true))
      item.value().copy_(torch::randn_like(item.value()) * 0.02);
  }
  return SaveModelFolder(dir, net, preset->labels, preset->spec);
}

}  // namespace vit::bench
