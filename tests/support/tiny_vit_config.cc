#include "tests/support/tiny_vit_config.h"

namespace vit::testing {

VitConfig TinyVitConfig(int image_size, int patch_size, int in_chans, int num_classes, int depth) {
  VitConfig c;
  c.img_height = c.img_width = image_size;
  c.patch_size = patch_size;
  c.in_chans = in_chans;
  c.num_classes = num_classes;
  c.embed_dim = 16;
  c.depth = depth;
  c.num_heads = 2;
  c.mlp_hidden_dim = 32;
  return c;
}

}  // namespace vit::testing
