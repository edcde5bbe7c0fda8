// Normalize + patchify: the uint8 crop becomes the model's token matrix
// [num_patches, C * P * P], written straight into the caller's (batch) buffer.
#pragma once

#include <vector>

#include <opencv2/core.hpp>

namespace vit::preprocessing {

enum class ChannelOrder { kRgb, kBgr };

// table[c * 256 + v] = (v / 255 - mean[c]) / std[c], computed in float32 as
// torchvision's ToTensor + Normalize do. `mean` and `std` hold `channels` values
// or one value for all channels.
std::vector<float> MakeNormalizationTable(const std::vector<float>& mean,
                                          const std::vector<float>& std, int channels);

// Writes tokens for an 8-bit crop whose size is a multiple of `patch_size`.
// Patches in row-major order; each patch flattened as (channel, row, column),
// channels in RGB order. A 1-channel crop feeds every output channel (gray
// replicated); a 3-channel crop needs channels == 3, its order given by `order`.
void PatchifyToTokens(const cv::Mat& crop, ChannelOrder order, int channels, int patch_size,
                      const float* table, float* out);

}  // namespace vit::preprocessing
