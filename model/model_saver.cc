#include "model/model_saver.h"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "model/safetensors.h"
#include "model/vision_transformer.h"

namespace vit {

std::string NativeConfigJson(const VitConfig& config, const std::vector<std::string>& labels,
                             const PreprocessSpec& spec) {
  using Json = nlohmann::ordered_json;
  Json args;
  args["img_size"] = {config.img_height, config.img_width};
  args["patch_size"] = config.patch_size;
  args["in_chans"] = config.in_chans;
  args["num_classes"] = config.num_classes;
  args["embed_dim"] = config.embed_dim;
  args["depth"] = config.depth;
  args["num_heads"] = config.num_heads;
  args["mlp_ratio"] = static_cast<double>(config.mlp_hidden_dim) / config.embed_dim;
  args["qkv_bias"] = config.qkv_bias;
  args["class_token"] = config.class_token;
  args["reg_tokens"] = config.num_reg_tokens;
  args["no_embed_class"] = config.no_embed_class;
  args["global_pool"] = config.global_pool;
  args["fc_norm"] = config.fc_norm;
  args["dynamic_img_size"] = config.dynamic_img_size;
  args["layer_norm_eps"] = config.layer_norm_eps;
  if (config.layer_scale) args["init_values"] = 1e-5;

  Json cfg;
  cfg["input_size"] = {config.in_chans, config.img_height, config.img_width};
  cfg["interpolation"] = InterpolationName(spec.interpolation);
  const int side = std::min(spec.input_height, spec.input_width);
  cfg["crop_pct"] = spec.resize_mode == ResizeMode::kExact || spec.resize_shorter_side <= 0
                        ? 1.0
                        : static_cast<double>(side) / spec.resize_shorter_side;
  cfg["crop_mode"] = spec.resize_mode == ResizeMode::kExact ? "squash" : "center";
  // float -> double with 6 decimals, so 0.286f is written as 0.286, not 0.28600001335144043.
  auto short_numbers = [](const std::vector<float>& values) {
    std::vector<double> out;
    for (float v : values) out.push_back(std::round(static_cast<double>(v) * 1e6) / 1e6);
    return out;
  };
  cfg["mean"] = short_numbers(spec.mean);
  cfg["std"] = short_numbers(spec.std);
  cfg["num_classes"] = config.num_classes;
  cfg["label_names"] = labels;

  Json json;
  json["format"] = "vit-serve";
  json["architecture"] = "vit_patch" + std::to_string(config.patch_size) + "_" +
                         std::to_string(config.img_height) + "_dim" +
                         std::to_string(config.embed_dim) + "_depth" + std::to_string(config.depth);
  json["num_classes"] = config.num_classes;
  json["model_args"] = args;
  json["pretrained_cfg"] = cfg;
  return json.dump(2) + "\n";
}

Status SaveModelFolder(const std::string& dir, VisionTransformer& net,
                       const std::vector<std::string>& labels, const PreprocessSpec& spec) {
  const VitConfig& config = net->config();
  if (labels.size() != static_cast<size_t>(config.num_classes)) {
    return InvalidArgumentError("SaveModelFolder: " + std::to_string(labels.size()) +
                                " labels for " + std::to_string(config.num_classes) + " classes");
  }
  if (spec.mean.size() != static_cast<size_t>(config.in_chans) ||
      spec.std.size() != static_cast<size_t>(config.in_chans)) {
    return InvalidArgumentError("SaveModelFolder: mean/std need " +
                                std::to_string(config.in_chans) + " values");
  }
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) return InternalError("cannot create '" + dir + "': " + error.message());

  TensorMap tensors;
  torch::NoGradGuard no_grad;
  for (const auto& item : net->named_parameters(/*recurse=*/true))
    tensors.emplace_back(item.key(), item.value().detach().to(torch::kCPU, torch::kFloat32));
  for (const auto& item : net->named_buffers(/*recurse=*/true))
    tensors.emplace_back(item.key(), item.value().detach().to(torch::kCPU, torch::kFloat32));
  const std::string weights = (std::filesystem::path(dir) / "model.safetensors").string();
  VIT_RETURN_IF_ERROR(WriteSafetensors(weights, tensors));

  const std::string config_path = (std::filesystem::path(dir) / "config.json").string();
  std::ofstream out(config_path, std::ios::binary | std::ios::trunc);
  out << NativeConfigJson(config, labels, spec);
  out.close();
  if (!out) return InternalError("cannot write '" + config_path + "'");
  return Status::Ok();
}

}  // namespace vit
