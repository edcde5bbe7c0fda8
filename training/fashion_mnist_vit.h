// The default ViT architecture for Fashion-MNIST (28x28 grayscale, 10
// classes): vit-train's defaults and the bench's random "fashion-mnist" model.
#pragma once

#include "model/vit_config.h"

namespace vit::training {

/// Patch 4 (a 7x7 grid), width 128, 6 blocks of 4 heads, MLP 256, class-token
/// pooling, LayerNorm eps 1e-6.
VitConfig FashionMnistVitConfig();

}  // namespace vit::training
