#include "model/config_inference.h"

#include <torch/types.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>

#include "model/imagenet_labels.h"

namespace vit {
namespace {

using Json = nlohmann::json;

const torch::Tensor* Find(const TensorMap& tensors, const std::string& key) {
  for (const auto& [name, tensor] : tensors) {
    if (name == key) return &tensor;
  }
  return nullptr;
}

template <typename T>
T JsonOr(const Json& object, const char* key, T fallback) {
  if (!object.is_object() || !object.contains(key) || object[key].is_null()) return fallback;
  try {
    return object[key].get<T>();
  } catch (const Json::exception&) {
    return fallback;
  }
}

int CountBlocks(const TensorMap& tensors) {
  static const std::regex kBlock(R"(blocks\.(\d+)\..*)");
  std::set<int> indices;
  for (const auto& [name, tensor] : tensors) {
    std::smatch m;
    if (std::regex_match(name, m, kBlock)) indices.insert(std::stoi(m[1].str()));
  }
  return indices.empty() ? 0 : *indices.rbegin() + 1;
}

// timm architecture names carry the width class: vit_tiny_..., deit_small_...
int HeadsFromArchitectureName(const std::string& arch, int embed_dim) {
  static const std::vector<std::pair<std::string, int>> kHeads = {
      {"_tiny", 3}, {"_small", 6}, {"_medium", 8}, {"_base", 12}, {"_large", 16}, {"_huge", 16}};
  for (const auto& [marker, heads] : kHeads) {
    if (arch.find(marker) != std::string::npos && embed_dim % heads == 0) return heads;
  }
  return embed_dim % 64 == 0 ? embed_dim / 64 : 1;
}

// (height, width) from an int or a [h, w] JSON value.
bool ParseSize(const Json& value, int* h, int* w) {
  if (value.is_number_integer()) {
    *h = *w = value.get<int>();
    return true;
  }
  if (value.is_array() && value.size() == 2 && value[0].is_number_integer()) {
    *h = value[0].get<int>();
    *w = value[1].get<int>();
    return true;
  }
  if (value.is_object() && value.contains("height") && value.contains("width")) {
    *h = value["height"].get<int>();
    *w = value["width"].get<int>();
    return true;
  }
  return false;
}

Interpolation ParseInterpolation(const std::string& name) {
  if (name == "bilinear") return Interpolation::kBilinear;
  if (name == "nearest") return Interpolation::kNearest;
  return Interpolation::kBicubic;
}

// PIL resample codes used by Hugging Face processors.
Interpolation InterpolationFromPilCode(int code) {
  switch (code) {
    case 0:
      return Interpolation::kNearest;
    case 3:
      return Interpolation::kBicubic;
    default:
      return Interpolation::kBilinear;
  }
}

Status Invalid(const ConfigFiles& files, const std::string& what) {
  return InvalidArgumentError("model folder '" + files.folder + "': " + what);
}

// Weight-derived part of the architecture (shared by every format).
Status InferFromWeights(const TensorMap& tensors, const ConfigFiles& files, VitConfig* config) {
  const torch::Tensor* proj = Find(tensors, "patch_embed.proj.weight");
  const torch::Tensor* pos = Find(tensors, "pos_embed");
  const torch::Tensor* head = Find(tensors, "head.weight");
  if (proj == nullptr || proj->dim() != 4)
    return Invalid(files, "no 4-d patch_embed.proj.weight in the weights");
  if (pos == nullptr || pos->dim() != 3) return Invalid(files, "no 3-d pos_embed in the weights");
  if (head == nullptr || head->dim() != 2)
    return Invalid(files, "no 2-d head.weight (classifier) in the weights");
  config->embed_dim = static_cast<int>(proj->size(0));
  config->in_chans = static_cast<int>(proj->size(1));
  config->patch_size = static_cast<int>(proj->size(2));
  config->num_classes = static_cast<int>(head->size(0));
  config->depth = CountBlocks(tensors);
  if (const auto* fc1 = Find(tensors, "blocks.0.mlp.fc1.weight"))
    config->mlp_hidden_dim = static_cast<int>(fc1->size(0));
  config->qkv_bias = Find(tensors, "blocks.0.attn.qkv.bias") != nullptr;
  config->class_token = Find(tensors, "cls_token") != nullptr;
  config->distilled = Find(tensors, "dist_token") != nullptr;
  const torch::Tensor* reg = Find(tensors, "reg_token");
  config->num_reg_tokens = reg != nullptr ? static_cast<int>(reg->size(1)) : 0;
  config->fc_norm = Find(tensors, "fc_norm.weight") != nullptr;
  config->layer_scale = Find(tensors, "blocks.0.ls1.gamma") != nullptr;
  return Status::Ok();
}

// Grid from pos_embed when the config does not state the image size. A
// square grid is assumed; prefix rows are included unless no_embed_class.
void InferImageSizeFromPosEmbed(const TensorMap& tensors, VitConfig* config) {
  const int64_t rows = Find(tensors, "pos_embed")->size(1);
  const int64_t prefix = config->num_prefix_tokens();
  auto is_square = [](int64_t n) {
    const auto r = static_cast<int64_t>(std::lround(std::sqrt(static_cast<double>(n))));
    return n > 0 && r * r == n;
  };
  int64_t grid_tokens = rows - prefix;
  if (!config->no_embed_class && !is_square(grid_tokens) && is_square(rows)) {
    config->no_embed_class = true;
    grid_tokens = rows;
  }
  const auto side = static_cast<int>(
      std::lround(std::sqrt(static_cast<double>(std::max<int64_t>(grid_tokens, 1)))));
  config->img_height = config->img_width = side * config->patch_size;
}

void ApplyTimmConfig(const Json& json, const TensorMap& tensors, VitConfig* config,
                     PreprocessSpec* pre, std::vector<std::string>* labels) {
  const Json args = json.value("model_args", Json::object());
  config->no_embed_class = JsonOr<bool>(args, "no_embed_class", false);
  config->dynamic_img_size = JsonOr<bool>(args, "dynamic_img_size", false);
  const std::string arch = JsonOr<std::string>(json, "architecture", "");
  config->num_heads =
      JsonOr<int>(args, "num_heads", HeadsFromArchitectureName(arch, config->embed_dim));
  config->layer_norm_eps = JsonOr<double>(args, "layer_norm_eps", 1e-6);
  std::string pool =
      JsonOr<std::string>(args, "global_pool", JsonOr<std::string>(json, "global_pool", ""));
  config->global_pool = pool.empty() ? (config->class_token ? "token" : "avg") : pool;
  int h = 0, w = 0;
  if (args.contains("img_size") && ParseSize(args["img_size"], &h, &w)) {
    config->img_height = h;
    config->img_width = w;
  } else {
    InferImageSizeFromPosEmbed(tensors, config);
  }
  const Json cfg = json.value("pretrained_cfg", Json::object());
  pre->interpolation = ParseInterpolation(JsonOr<std::string>(cfg, "interpolation", "bicubic"));
  pre->mean = JsonOr<std::vector<float>>(cfg, "mean", {0.485f, 0.456f, 0.406f});
  pre->std = JsonOr<std::vector<float>>(cfg, "std", {0.229f, 0.224f, 0.225f});
  const double crop_pct = JsonOr<double>(cfg, "crop_pct", 0.875);  // timm's DEFAULT_CROP_PCT
  const std::string crop_mode = JsonOr<std::string>(cfg, "crop_mode", "center");
  pre->input_height = config->img_height;
  pre->input_width = config->img_width;
  // timm's transforms_factory: scale_size = floor(img_size / crop_pct).
  pre->resize_shorter_side =
      static_cast<int>(std::floor(std::min(config->img_height, config->img_width) / crop_pct));
  pre->resize_mode =
      crop_mode == "squash" ? ResizeMode::kExact : ResizeMode::kShorterSideThenCenterCrop;
  *labels = JsonOr<std::vector<std::string>>(
      cfg, "label_names", JsonOr<std::vector<std::string>>(json, "label_names", {}));
}

void ApplyHuggingFaceConfig(const Json& json, const Json& processor, const TensorMap& tensors,
                            VitConfig* config, PreprocessSpec* pre,
                            std::vector<std::string>* labels) {
  config->num_heads =
      JsonOr<int>(json, "num_attention_heads", HeadsFromArchitectureName("", config->embed_dim));
  config->layer_norm_eps = JsonOr<double>(json, "layer_norm_eps", 1e-12);
  config->global_pool = "token";
  int h = 0, w = 0;
  if (json.contains("image_size") && ParseSize(json["image_size"], &h, &w)) {
    config->img_height = h;
    config->img_width = w;
  } else {
    InferImageSizeFromPosEmbed(tensors, config);
  }
  // ViTImageProcessor defaults, overridden by preprocessor_config.json.
  pre->resize_mode = ResizeMode::kExact;
  pre->input_height = config->img_height;
  pre->input_width = config->img_width;
  pre->interpolation = InterpolationFromPilCode(JsonOr<int>(processor, "resample", 2));
  pre->mean = JsonOr<std::vector<float>>(processor, "image_mean", {0.5f, 0.5f, 0.5f});
  pre->std = JsonOr<std::vector<float>>(processor, "image_std", {0.5f, 0.5f, 0.5f});
  if (processor.contains("size") && ParseSize(processor["size"], &h, &w)) {
    pre->input_height = h;
    pre->input_width = w;
  }
  if (json.contains("id2label") && json["id2label"].is_object()) {
    labels->assign(config->num_classes, "");
    for (const auto& [key, value] : json["id2label"].items()) {
      const int index = std::atoi(key.c_str());
      if (index >= 0 && index < config->num_classes && value.is_string())
        (*labels)[index] = value.get<std::string>();
    }
  }
}

void ApplyTorchvisionConfig(const Json& json, const TensorMap& tensors, VitConfig* config,
                            PreprocessSpec* pre) {
  config->num_heads =
      JsonOr<int>(json, "num_heads", HeadsFromArchitectureName("", config->embed_dim));
  config->layer_norm_eps = 1e-6;
  config->global_pool = "token";
  const int size = JsonOr<int>(json, "image_size", 0);
  if (size > 0) {
    config->img_height = config->img_width = size;
  } else {
    InferImageSizeFromPosEmbed(tensors, config);
  }
  // torchvision's ViT_*_Weights.IMAGENET1K_V1 transforms: resize 256, crop 224, bilinear.
  pre->resize_mode = ResizeMode::kShorterSideThenCenterCrop;
  pre->input_height = config->img_height;
  pre->input_width = config->img_width;
  pre->resize_shorter_side = config->img_height * 256 / 224;
  pre->interpolation = Interpolation::kBilinear;
  pre->mean = {0.485f, 0.456f, 0.406f};
  pre->std = {0.229f, 0.224f, 0.225f};
}

StatusOr<Json> ParseJson(const std::string& text, const ConfigFiles& files, const char* file_name) {
  if (text.empty()) return Json::object();
  Json json = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object())
    return Invalid(files, std::string(file_name) + " is not a JSON object");
  return json;
}

}  // namespace

StatusOr<InferredModel> InferModel(const TensorMap& tensors, CheckpointFormat format,
                                   const ConfigFiles& files) {
  VIT_ASSIGN_OR_RETURN(const Json json, ParseJson(files.config_json, files, "config.json"));
  VIT_ASSIGN_OR_RETURN(const Json processor,
                       ParseJson(files.preprocessor_json, files, "preprocessor_config.json"));

  InferredModel model;
  VIT_RETURN_IF_ERROR(InferFromWeights(tensors, files, &model.vit));
  switch (format) {
    case CheckpointFormat::kHuggingFace:
      model.source_format = "huggingface";
      ApplyHuggingFaceConfig(json, processor, tensors, &model.vit, &model.preprocess,
                             &model.labels);
      break;
    case CheckpointFormat::kTorchvision:
      model.source_format = "torchvision";
      ApplyTorchvisionConfig(json, tensors, &model.vit, &model.preprocess);
      break;
    default:
      model.source_format =
          JsonOr<std::string>(json, "format", "") == "vit-serve" ? "vit-serve" : "timm";
      ApplyTimmConfig(json, tensors, &model.vit, &model.preprocess, &model.labels);
      break;
  }
  const std::string problem = model.vit.Validate();
  if (!problem.empty()) return Invalid(files, "inferred architecture is invalid: " + problem);

  PreprocessSpec& pre = model.preprocess;
  pre.channels = model.vit.in_chans;
  pre.patch_size = model.vit.patch_size;
  if (pre.mean.size() != static_cast<size_t>(pre.channels) ||
      pre.std.size() != static_cast<size_t>(pre.channels)) {
    return Invalid(files, "preprocessing mean/std have " + std::to_string(pre.mean.size()) + "/" +
                              std::to_string(pre.std.size()) + " values for " +
                              std::to_string(pre.channels) + " channels");
  }
  if (model.labels.empty()) {
    if (model.vit.num_classes == 1000) {
      model.labels = ImageNet1kLabels();
    } else {
      for (int i = 0; i < model.vit.num_classes; ++i)
        model.labels.push_back("class_" + std::to_string(i));
    }
  }
  if (model.labels.size() != static_cast<size_t>(model.vit.num_classes)) {
    return Invalid(files, "config has " + std::to_string(model.labels.size()) +
                              " label names but the head has " +
                              std::to_string(model.vit.num_classes) + " classes");
  }
  return model;
}

}  // namespace vit
