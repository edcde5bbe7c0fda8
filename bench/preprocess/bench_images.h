// Deterministic photo-like test JPEGs for the preprocessing benchmark.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace vit::bench {

// A width x height JPEG (quality 90, 4:2:0) of smooth color regions, fine texture
// and sensor-like noise, so that it compresses (and decodes) like a real photo.
std::vector<uint8_t> MakeSyntheticJpeg(int width, int height, uint64_t seed);

bool WriteFile(const std::string& path, const std::vector<uint8_t>& bytes);

}  // namespace vit::bench
