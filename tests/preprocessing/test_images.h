// Test-only helpers: read files, encode Mats, and splice EXIF into encoded images.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

namespace vit::testing {

std::vector<uint8_t> ReadBytes(const std::string& path);
// cv::imencode to `extension` (".png", ".jpg", ...); empty on failure.
std::vector<uint8_t> Encode(const cv::Mat& image, const std::string& extension,
                            const std::vector<int>& params = {});
// Uniform random pixels of `type`, deterministic in `seed`.
cv::Mat RandomImage(int width, int height, int type, uint64_t seed);
// A big-endian TIFF block whose IFD0 holds only Orientation (tag 274).
std::vector<uint8_t> ExifWithOrientation(int orientation);
// `jpeg` with an APP1 "Exif" segment carrying `orientation` inserted after SOI.
std::vector<uint8_t> WithJpegExif(const std::vector<uint8_t>& jpeg, int orientation);
// `png` with a chunk (correct CRC) inserted right after IHDR.
std::vector<uint8_t> WithPngChunk(const std::vector<uint8_t>& png, const std::string& type,
                                  const std::vector<uint8_t>& data);

}  // namespace vit::testing
