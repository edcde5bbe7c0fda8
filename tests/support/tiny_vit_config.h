// ViT configurations small enough to build and run in milliseconds.
#pragma once

#include "model/vit_config.h"

namespace vit::testing {

/// A square `image_size` ViT with `patch_size` patches, `in_chans` channels
/// and `num_classes` classes; tokens 16 wide, 2 heads, MLP 32, `depth` blocks,
/// class-token pooling. Tests change further fields as they need.
VitConfig TinyVitConfig(int image_size = 32, int patch_size = 8, int in_chans = 3,
                        int num_classes = 5, int depth = 2);

}  // namespace vit::testing
