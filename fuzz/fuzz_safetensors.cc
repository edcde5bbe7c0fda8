// libFuzzer harness: arbitrary bytes as a .safetensors file, read in all three
// modes (header only, stored dtypes, widened to float32). Every input must come
// back as a Status, and the modes must agree on what the header declares.
#include <torch/torch.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz/fuzz_check.h"
#include "fuzz/fuzz_temp_dir.h"
#include "model/safetensors.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = vit::fuzz::WriteScratchFile("model.safetensors", data, size);
  const auto meta = vit::ReadSafetensorsMeta(path);
  const auto raw = vit::ReadSafetensorsRaw(path);
  const auto widened = vit::ReadSafetensors(path);
  // The header is validated (offsets within the file) before any data is
  // read, so reading the data cannot fail where the header alone passed.
  FUZZ_CHECK(meta.ok() == raw.ok() && raw.ok() == widened.ok(),
             "meta: " + meta.status().ToString() + " raw: " + raw.status().ToString() +
                 " widened: " + widened.status().ToString());
  if (!meta.ok()) {
    FUZZ_CHECK(!meta.status().message().empty(), "an error without a message");
    return 0;
  }
  FUZZ_CHECK(meta->size() == raw->size() && raw->size() == widened->size(), "tensor counts");
  for (size_t i = 0; i < meta->size(); ++i) {
    const auto& [name, header_tensor] = (*meta)[i];
    const auto& [raw_name, raw_tensor] = (*raw)[i];
    const auto& [widened_name, widened_tensor] = (*widened)[i];
    FUZZ_CHECK(name == raw_name && name == widened_name, "tensor order differs for " + name);
    FUZZ_CHECK(header_tensor.sizes() == raw_tensor.sizes() &&
                   header_tensor.sizes() == widened_tensor.sizes(),
               "shape of " + name);
    FUZZ_CHECK(header_tensor.scalar_type() == raw_tensor.scalar_type(), "dtype of " + name);
    FUZZ_CHECK(
        raw_tensor.scalar_type() == torch::kByte || widened_tensor.scalar_type() == torch::kFloat,
        "not widened: " + name);
  }
  return 0;
}
