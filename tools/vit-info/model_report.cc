#include "tools/vit-info/model_report.h"

#include <nlohmann/json.hpp>
#include <sstream>

namespace vit::tools {

namespace {

std::string Join(const std::vector<float>& values) {
  std::ostringstream out;
  for (size_t i = 0; i < values.size(); ++i) out << (i ? ", " : "") << values[i];
  return out.str();
}

}  // namespace

std::string ModelReportText(const ModelInfo& info, int max_labels) {
  const PreprocessSpec& p = info.preprocess;
  std::ostringstream out;
  out << "model:         " << info.id << "\n"
      << "path:          " << info.path << "\n"
      << "format:        " << info.source_format << "\n"
      << "architecture:  " << info.architecture << "\n"
      << "parameters:    " << info.num_parameters << " (" << (info.num_parameters * 4.0 / (1 << 20))
      << " MiB in fp32)\n"
      << "input:         " << p.channels << "x" << p.input_height << "x" << p.input_width << " ("
      << (p.channels == 1 ? "grayscale" : "RGB") << "), patch " << p.patch_size << ", "
      << p.num_patches() << " tokens of " << p.token_dim() << "\n"
      << "preprocessing: resize " << ResizeModeName(p.resize_mode);
  if (p.resize_mode == ResizeMode::kShorterSideThenCenterCrop)
    out << " (shorter side " << p.resize_shorter_side << ")";
  out << ", " << InterpolationName(p.interpolation) << ", mean [" << Join(p.mean) << "], std ["
      << Join(p.std) << "]\n"
      << "outputs:       " << info.num_classes << " classes, features of " << info.feature_dim
      << "\n"
      << "runtime:       " << info.dtype << " on " << info.device << ", " << info.backend
      << " engine, " << info.threads << " threads\n"
      << "labels:";
  const int shown = max_labels > 0 ? std::min<int>(max_labels, static_cast<int>(info.labels.size()))
                                   : static_cast<int>(info.labels.size());
  for (int i = 0; i < shown; ++i) out << "\n  " << i << "\t" << info.labels[i];
  if (shown < static_cast<int>(info.labels.size())) {
    out << "\n  ... " << info.labels.size() - shown << " more (--labels 0 lists all)";
  }
  out << "\n";
  return out.str();
}

std::string ModelReportJson(const ModelInfo& info) {
  const PreprocessSpec& p = info.preprocess;
  nlohmann::json json = {
      {"id", info.id},
      {"path", info.path},
      {"format", info.source_format},
      {"architecture", info.architecture},
      {"parameters", info.num_parameters},
      {"num_classes", info.num_classes},
      {"feature_dim", info.feature_dim},
      {"dtype", info.dtype},
      {"backend", info.backend},
      {"device", info.device},
      {"threads", info.threads},
      {"preprocess",
       {{"channels", p.channels},
        {"input_size", {p.input_height, p.input_width}},
        {"patch_size", p.patch_size},
        {"resize_mode", ResizeModeName(p.resize_mode)},
        {"resize_shorter_side", p.resize_shorter_side},
        {"interpolation", InterpolationName(p.interpolation)},
        {"mean", p.mean},
        {"std", p.std}}},
      {"labels", info.labels},
  };
  return json.dump(2);
}

}  // namespace vit::tools
