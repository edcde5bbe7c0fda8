#include "tests/preprocessing/pipeline_spec.h"

#include <cmath>
#include <regex>

namespace vit::testing {
namespace {

StatusOr<Interpolation> FromPilResample(int resample) {
  switch (resample) {
    case 0:
      return Interpolation::kNearest;
    case 2:
      return Interpolation::kBilinear;
    case 3:
      return Interpolation::kBicubic;
    default:
      return InvalidArgumentError("unsupported PIL resample " + std::to_string(resample));
  }
}

StatusOr<Interpolation> FromName(std::string name) {
  for (char& c : name) c = static_cast<char>(std::tolower(c));
  if (name == "bicubic") return Interpolation::kBicubic;
  if (name == "bilinear") return Interpolation::kBilinear;
  if (name == "nearest") return Interpolation::kNearest;
  return InvalidArgumentError("unsupported interpolation " + name);
}

// First integer in `text` after `key`, e.g. "resize_size=[256]".
StatusOr<int> IntAfter(const std::string& text, const std::string& key) {
  std::smatch match;
  if (!std::regex_search(text, match, std::regex(key + R"(\D*(\d+))"))) {
    return InvalidArgumentError("no " + key + " in " + text);
  }
  return std::stoi(match[1]);
}

}  // namespace

StatusOr<PreprocessSpec> SpecFromPipelineJson(const nlohmann::json& pipeline) {
  PreprocessSpec spec;
  spec.mean = pipeline.at("mean").get<std::vector<float>>();
  spec.std = pipeline.at("std").get<std::vector<float>>();
  if (pipeline.contains("processor")) {  // Hugging Face: exact resize
    const auto& p = pipeline.at("processor");
    spec.resize_mode = ResizeMode::kExact;
    spec.input_height = p.at("size").at("height").get<int>();
    spec.input_width = p.at("size").at("width").get<int>();
    StatusOr<Interpolation> interpolation = FromPilResample(p.at("resample").get<int>());
    if (!interpolation.ok()) return interpolation.status();
    spec.interpolation = *interpolation;
    return spec;
  }
  if (pipeline.contains("crop_pct")) {  // timm pretrained_cfg
    const auto input_size = pipeline.at("input_size").get<std::vector<int>>();
    spec.input_height = input_size.at(1);
    spec.input_width = input_size.at(2);
    spec.resize_shorter_side =
        static_cast<int>(std::floor(spec.input_height / pipeline.at("crop_pct").get<double>()));
    StatusOr<Interpolation> interpolation = FromName(pipeline.at("interpolation"));
    if (!interpolation.ok()) return interpolation.status();
    spec.interpolation = *interpolation;
    return spec;
  }
  // torchvision ImageClassification preset, described by its repr.
  const std::string transform = pipeline.at("transform").get<std::string>();
  StatusOr<int> crop = IntAfter(transform, "crop_size");
  StatusOr<int> resize = IntAfter(transform, "resize_size");
  if (!crop.ok()) return crop.status();
  if (!resize.ok()) return resize.status();
  spec.input_height = spec.input_width = *crop;
  spec.resize_shorter_side = *resize;
  std::smatch match;
  if (!std::regex_search(transform, match, std::regex(R"(InterpolationMode\.(\w+))"))) {
    return InvalidArgumentError("no interpolation in " + transform);
  }
  StatusOr<Interpolation> interpolation = FromName(match[1]);
  if (!interpolation.ok()) return interpolation.status();
  spec.interpolation = *interpolation;
  return spec;
}

}  // namespace vit::testing
