// Matrix-product FLOPs of one image through a ViT: what a configuration's
// throughput is compared with oneDNN's matmul ceiling by.
#pragma once

#include <cstdint>

#include "model/vit_config.h"

namespace vit::tools {

/// 2 x multiply-adds of every matmul for one image on a grid_h x grid_w patch
/// grid: patch embedding, qkv, Q K^T, P V, proj, fc1, fc2 and the head(s).
/// LayerNorm, softmax, GELU and adds are not counted (under 1% of a ViT-B).
double MatmulGflopPerImage(const VitConfig& config, int64_t grid_h, int64_t grid_w);

}  // namespace vit::tools
