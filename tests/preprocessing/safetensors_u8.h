// Test-only reader for the uint8 tensors of a .safetensors file (8-byte
// little-endian header length, JSON header, raw data).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace vit::testing {

struct U8Tensor {
  std::vector<int64_t> shape;
  std::vector<uint8_t> data;
};

// Reads every tensor of dtype U8; returns false with `error` set on a malformed file.
bool ReadSafetensorsU8(const std::string& path, std::map<std::string, U8Tensor>* tensors,
                       std::string* error);

}  // namespace vit::testing
