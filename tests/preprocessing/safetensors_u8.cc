#include "tests/preprocessing/safetensors_u8.h"

#include <fstream>
#include <iterator>

#include <nlohmann/json.hpp>

namespace vit::testing {

bool ReadSafetensorsU8(const std::string& path, std::map<std::string, U8Tensor>* tensors,
                       std::string* error) {
  std::ifstream file(path, std::ios::binary);
  const std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(file)),
                                   std::istreambuf_iterator<char>());
  if (!file.good() && !file.eof()) return *error = "cannot read " + path, false;
  if (bytes.size() < 8) return *error = path + ": shorter than 8 bytes", false;
  uint64_t header_size = 0;
  for (int i = 7; i >= 0; --i) header_size = (header_size << 8) | bytes[i];
  if (header_size > bytes.size() - 8) return *error = path + ": header past end of file", false;
  const auto header = nlohmann::json::parse(bytes.begin() + 8, bytes.begin() + 8 + header_size,
                                            /*cb=*/nullptr, /*allow_exceptions=*/false);
  if (!header.is_object()) return *error = path + ": header is not a JSON object", false;
  const size_t data_start = 8 + header_size;
  for (const auto& [name, info] : header.items()) {
    if (name == "__metadata__" || info.value("dtype", "") != "U8") continue;
    const uint64_t begin = info.at("data_offsets").at(0).get<uint64_t>();
    const uint64_t end = info.at("data_offsets").at(1).get<uint64_t>();
    if (begin > end || end > bytes.size() - data_start) {
      return *error = path + ": tensor " + name + " has offsets past the end", false;
    }
    U8Tensor tensor;
    tensor.shape = info.at("shape").get<std::vector<int64_t>>();
    tensor.data.assign(bytes.begin() + data_start + begin, bytes.begin() + data_start + end);
    int64_t elements = 1;
    for (int64_t d : tensor.shape) elements *= d;
    if (elements != static_cast<int64_t>(tensor.data.size())) {
      return *error = path + ": tensor " + name + " size does not match its shape", false;
    }
    (*tensors)[name] = std::move(tensor);
  }
  return true;
}

}  // namespace vit::testing
