// Cuts a preprocessed channels x height x width image into the model's patch
// tokens, in the layout the preprocessing library writes (patches row-major,
// each flattened as channel, row, column). Header-only, no dependencies: the
// server uses it for clients that send pixel_values instead of an image.
#pragma once

#include <cstddef>
#include <cstring>

namespace vit {

/// `chw` holds channels * height * width floats; `out` receives
/// (height / patch) * (width / patch) tokens of channels * patch * patch
/// floats. height and width must be multiples of `patch`.
inline void ChwToPatchTokens(const float* chw, int channels, int height, int width, int patch,
                             float* out) {
  const int grid_w = width / patch;
  const int grid_h = height / patch;
  for (int gy = 0; gy < grid_h; ++gy) {
    for (int gx = 0; gx < grid_w; ++gx) {
      for (int c = 0; c < channels; ++c) {
        for (int r = 0; r < patch; ++r) {
          const float* row = chw + (static_cast<size_t>(c) * height + gy * patch + r) * width +
                             static_cast<size_t>(gx) * patch;
          std::memcpy(out, row, sizeof(float) * patch);
          out += patch;
        }
      }
    }
  }
}

}  // namespace vit
