#include "tests/preprocessing/pipeline_spec.h"

#include <cctype>
#include <cmath>

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
  const size_t at = text.find(key);
  const size_t digits = at == std::string::npos ? at : text.find_first_of("0123456789", at);
  if (digits == std::string::npos) return InvalidArgumentError("no " + key + " in " + text);
  return std::stoi(text.substr(digits));
}

// The word after `key`, e.g. "BILINEAR" after "InterpolationMode.".
std::string WordAfter(const std::string& text, const std::string& key) {
  const size_t at = text.find(key);
  if (at == std::string::npos) return "";
  size_t end = at + key.size();
  while (end < text.size() && std::isalnum(static_cast<unsigned char>(text[end]))) ++end;
  return text.substr(at + key.size(), end - at - key.size());
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
  StatusOr<Interpolation> interpolation = FromName(WordAfter(transform, "InterpolationMode."));
  if (!interpolation.ok()) return interpolation.status();
  spec.interpolation = *interpolation;
  return spec;
}

}  // namespace vit::testing
