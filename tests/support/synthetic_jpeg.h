// Photo-like synthetic images for tests and benchmarks: reproducible from a
// seed, and compressing (and decoding) like real photos, not flat fields.
#pragma once

#include <cstdint>
#include <opencv2/core.hpp>
#include <string>
#include <vector>

#include "common/status.h"

namespace vit::testing {

/// A width x height BGR image: smooth color regions, fine texture whose period
/// scales with the image, and sensor-like noise.
cv::Mat SyntheticPhoto(int width, int height, uint64_t seed);

/// SyntheticPhoto as a JPEG (quality 90, 4:2:0); empty when encoding fails.
std::vector<uint8_t> SyntheticJpeg(int width, int height, uint64_t seed);

/// Writes `count` SyntheticJpeg files, img_00000.jpg ... (seeds 1, 2, ...),
/// into `dir`, creating it.
Status WriteSyntheticJpegs(const std::string& dir, int count, int width, int height);

}  // namespace vit::testing
