#include "model/checkpoint_loader.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "model/checkpoint_convert.h"
#include "model/pth_reader.h"
#include "model/safetensors.h"
#include "model/state_dict.h"
#include "model/vision_transformer.h"

namespace vit {
namespace {

namespace fs = std::filesystem;

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// The one file with `suffix` in `folder`, or "" when there are none or several.
std::string OnlyFileWithSuffix(const fs::path& folder, const std::string& suffix, int* count) {
  std::string found;
  *count = 0;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(folder, ec)) {
    const std::string name = entry.path().filename().string();
    if (entry.is_regular_file() && EndsWith(name, suffix) && name != "reference.safetensors") {
      ++*count;
      found = entry.path().string();
    }
  }
  return *count == 1 ? found : "";
}

StatusOr<std::string> FindWeights(const fs::path& folder) {
  for (const char* name : {"model.safetensors", "model.pth", "pytorch_model.bin"}) {
    if (fs::is_regular_file(folder / name)) return (folder / name).string();
  }
  for (const char* suffix : {".safetensors", ".pth"}) {
    int count = 0;
    std::string only = OnlyFileWithSuffix(folder, suffix, &count);
    if (!only.empty()) return only;
    if (count > 1) {
      return InvalidArgumentError("model folder '" + folder.string() + "' holds several *" +
                                  suffix + " files; name the weights model" + suffix);
    }
  }
  return InvalidArgumentError(
      "model folder '" + folder.string() +
      "' has no weights (model.safetensors, *.safetensors, model.pth, *.pth or "
      "pytorch_model.bin)");
}

std::string ReadTextFile(const fs::path& path) {
  std::ifstream in(path);
  if (!in) return "";
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

bool IsSafetensors(const std::string& path) { return EndsWith(path, ".safetensors"); }

StatusOr<TensorMap> ReadWeights(const std::string& path) {
  return IsSafetensors(path) ? ReadSafetensors(path) : ReadPthStateDict(path);
}

}  // namespace

ShapeMap ExpectedParameterShapes(const VitConfig& config) {
  return VisionTransformer(config, ParameterInit::kReleased)->parameter_shapes();
}

StatusOr<Checkpoint> LoadCheckpoint(const std::string& folder_arg) {
  std::error_code ec;
  const fs::path folder = fs::absolute(folder_arg, ec);
  if (!fs::exists(folder)) return NotFoundError("model folder '" + folder_arg + "' does not exist");
  if (!fs::is_directory(folder)) {
    return InvalidArgumentError("model path '" + folder_arg +
                                "' is not a folder (a model is named by its folder)");
  }
  VIT_ASSIGN_OR_RETURN(const std::string weights, FindWeights(folder));

  ConfigFiles files;
  files.folder = folder.string();
  files.config_json = ReadTextFile(folder / "config.json");
  files.preprocessor_json = ReadTextFile(folder / "preprocessor_config.json");

  try {
    // Shapes first: from the safetensors header alone (meta tensors), or the
    // whole state dict for .pth files, whose pickle must be read anyway.
    const bool header_only = IsSafetensors(weights);
    VIT_ASSIGN_OR_RETURN(TensorMap first,
                         header_only ? ReadSafetensorsMeta(weights) : ReadWeights(weights));
    CheckpointFormat format = CheckpointFormat::kUnknown;
    auto converted = ConvertToTimm(std::move(first), &format);
    if (!converted.ok()) {
      return Status(converted.status().code(),
                    "'" + weights + "': " + converted.status().message());
    }
    Checkpoint checkpoint;
    checkpoint.folder = folder.string();
    checkpoint.weights_path = weights;
    VIT_ASSIGN_OR_RETURN(checkpoint.inferred, InferModel(*converted, format, files));
    VIT_RETURN_IF_ERROR(
        CheckStateDict(ExpectedParameterShapes(checkpoint.inferred.vit), *converted, weights));
    if (header_only) {
      converted = TensorMap();
      VIT_ASSIGN_OR_RETURN(TensorMap data, ReadWeights(weights));
      converted = ConvertToTimm(std::move(data));
      if (!converted.ok()) return converted.status();
    }
    checkpoint.weights = std::move(converted).value();
    // float32 and contiguous, whatever the file held (fp16 / bf16 checkpoints).
    for (auto& [name, tensor] : checkpoint.weights) {
      if (tensor.scalar_type() != torch::kFloat32) tensor = tensor.to(torch::kFloat32);
      if (!tensor.is_contiguous()) tensor = tensor.contiguous();
    }
    return checkpoint;
  } catch (const std::exception& e) {
    // LibTorch reports shape and allocation failures as c10::Error.
    return InvalidArgumentError("loading '" + weights + "' failed: " + e.what());
  }
}

}  // namespace vit
