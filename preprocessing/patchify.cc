#include "preprocessing/patchify.h"

namespace vit::preprocessing {

std::vector<float> MakeNormalizationTable(const std::vector<float>& mean,
                                          const std::vector<float>& std, int channels) {
  std::vector<float> table(static_cast<size_t>(channels) * 256);
  for (int c = 0; c < channels; ++c) {
    const float m = mean.size() == 1 ? mean[0] : mean[c];
    const float s = std.size() == 1 ? std[0] : std[c];
    for (int v = 0; v < 256; ++v) table[c * 256 + v] = (static_cast<float>(v) / 255.0f - m) / s;
  }
  return table;
}

void PatchifyToTokens(const cv::Mat& crop, ChannelOrder order, int channels, int patch_size,
                      const float* table, float* out) {
  const int cn = crop.channels();
  const int grid_h = crop.rows / patch_size;
  const int grid_w = crop.cols / patch_size;
  for (int gy = 0; gy < grid_h; ++gy) {
    for (int gx = 0; gx < grid_w; ++gx) {
      for (int c = 0; c < channels; ++c) {
        const int src_c = cn == 1 ? 0 : (order == ChannelOrder::kBgr ? 2 - c : c);
        const float* lut = table + c * 256;
        for (int py = 0; py < patch_size; ++py) {
          const uint8_t* row = crop.ptr<uint8_t>(gy * patch_size + py) +
                               static_cast<size_t>(gx) * patch_size * cn + src_c;
          for (int px = 0; px < patch_size; ++px) *out++ = lut[row[px * cn]];
        }
      }
    }
  }
}

}  // namespace vit::preprocessing
