#include "training/fashion_mnist_vit.h"

namespace vit::training {

VitConfig FashionMnistVitConfig() {
  VitConfig config;
  config.img_height = config.img_width = 28;
  config.patch_size = 4;
  config.in_chans = 1;
  config.num_classes = 10;
  config.embed_dim = 128;
  config.depth = 6;
  config.num_heads = 4;
  config.mlp_hidden_dim = 256;
  config.global_pool = "token";
  config.class_token = true;
  config.layer_norm_eps = 1e-6;
  return config;
}

}  // namespace vit::training
