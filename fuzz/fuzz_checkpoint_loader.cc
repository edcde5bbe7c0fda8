// libFuzzer harness: a model folder built from the input, through the real
// loader (LoadModelFolder: weights discovery, safetensors header or .pth
// unpickler, name conversion, config inference, strict load), then one
// forward pass of the reference module and one of the fast engine in fp32
// and int8 (int8 where the CPU has VNNI or AMX-INT8: its packing, per-thread
// plans and kernels see every shape the loader accepts). Every input must come
// back as a Status, and a model that loads must run on an input of the size it
// declares.
//
// Input layout (run_fuzzers.sh writes seeds this way):
//   byte 0          weights file: even = model.safetensors, odd = model.pth
//   u32 LE n, n B   config.json (n = 0: no config.json)
//   u32 LE m, m B   preprocessor_config.json (m = 0: none)
//   the rest        the weights file
#include <torch/torch.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "fuzz/fuzz_check.h"
#include "fuzz/fuzz_temp_dir.h"
#include "model/engine_common.h"
#include "model/inference_engine.h"
#include "model/model_loader.h"

namespace {

// Takes a u32-length-prefixed block off the front of [*data, *data + *size).
bool TakeBlock(const uint8_t** data, size_t* size, const uint8_t** block, size_t* block_size) {
  if (*size < 4) return false;
  const uint32_t n = uint32_t{(*data)[0]} | uint32_t{(*data)[1]} << 8 | uint32_t{(*data)[2]} << 16 |
                     uint32_t{(*data)[3]} << 24;
  if (n > *size - 4) return false;
  *block = *data + 4;
  *block_size = n;
  *data += 4 + n;
  *size -= 4 + n;
  return true;
}

void WriteOrRemove(const std::string& name, const uint8_t* data, size_t size) {
  if (size == 0) {
    vit::fuzz::RemoveScratchFile(name);
  } else {
    vit::fuzz::WriteScratchFile(name, data, size);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const bool pth = (data[0] & 1) != 0;
  ++data;
  --size;
  const uint8_t* config = nullptr;
  const uint8_t* preprocessor_config = nullptr;
  size_t config_size = 0;
  size_t preprocessor_config_size = 0;
  if (!TakeBlock(&data, &size, &config, &config_size) ||
      !TakeBlock(&data, &size, &preprocessor_config, &preprocessor_config_size)) {
    return 0;
  }
  WriteOrRemove("config.json", config, config_size);
  WriteOrRemove("preprocessor_config.json", preprocessor_config, preprocessor_config_size);
  vit::fuzz::RemoveScratchFile(pth ? "model.safetensors" : "model.pth");
  vit::fuzz::WriteScratchFile(pth ? "model.pth" : "model.safetensors", data, size);

  auto loaded = vit::LoadModelFolder(vit::fuzz::ScratchDir());
  if (!loaded.ok()) {
    FUZZ_CHECK(!loaded.status().message().empty(), "an error without a message");
    return 0;
  }
  const vit::VitConfig& config_out = loaded->inferred.vit;
  const vit::PreprocessSpec& spec = loaded->inferred.preprocess;
  FUZZ_CHECK(config_out.Validate().empty(), "invalid config accepted: " + config_out.Validate());
  FUZZ_CHECK(spec.channels == config_out.in_chans, "preprocessing channels vs in_chans");
  FUZZ_CHECK(spec.patch_size == config_out.patch_size, "preprocessing patch size");
  FUZZ_CHECK(spec.input_height > 0 && spec.input_width > 0 &&
                 spec.input_height % spec.patch_size == 0 &&
                 spec.input_width % spec.patch_size == 0,
             "input size " + spec.ToString());

  torch::InferenceMode inference;
  const auto pixels = torch::zeros({1, spec.channels, spec.input_height, spec.input_width});
  const auto outputs = loaded->net->ForwardOutputs(pixels);
  FUZZ_CHECK(outputs.logits.dim() == 2 && outputs.logits.size(0) == 1 &&
                 outputs.logits.size(1) == config_out.num_classes,
             "logits shape");
  FUZZ_CHECK(outputs.features.dim() == 2 && outputs.features.size(1) == config_out.embed_dim,
             "features shape");

  // The fast engine on the same folder: it may refuse the model, with a
  // message, but whatever it loads must run on one image of zero tokens.
  static const bool int8 = vit::CheckInt8Support(vit::DetectInt8Isa()).ok();
  for (const char* dtype : {"fp32", "int8"}) {
    if (std::string(dtype) == "int8" && !int8) continue;
    vit::EngineOptions options;
    options.dtype = dtype;
    options.threads = 1;
    auto engine = vit::InferenceEngine::Load(vit::fuzz::ScratchDir(), options);
    if (!engine.ok()) {
      FUZZ_CHECK(!engine.status().message().empty(), "an engine error without a message");
      continue;
    }
    const vit::ModelInfo& info = (*engine)->info();
    FUZZ_CHECK(info.num_classes == config_out.num_classes, "engine classes vs config");
    std::vector<float> tokens(
        static_cast<size_t>(info.preprocess.num_patches() * info.preprocess.token_dim()), 0.0f);
    std::vector<float> logits(static_cast<size_t>(info.num_classes));
    std::vector<float> features(static_cast<size_t>(info.feature_dim));
    const vit::Status run = (*engine)->Run(tokens.data(), 1, logits.data(), features.data());
    FUZZ_CHECK(run.ok() || !run.message().empty(), "a run error without a message");
  }
  return 0;
}
