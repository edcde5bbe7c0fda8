#include "tools/vit-bench/model_flops.h"

namespace vit::tools {

double MatmulGflopPerImage(const VitConfig& c, int64_t grid_h, int64_t grid_w) {
  const double patches = static_cast<double>(grid_h * grid_w);
  const double tokens = patches + c.num_prefix_tokens();
  const double d = c.embed_dim, hidden = c.mlp_hidden_dim;
  const double token_dim = static_cast<double>(c.in_chans) * c.patch_size * c.patch_size;
  const double embed = patches * token_dim * d;
  const double linear = tokens * (3 * d * d + d * d + 2 * d * hidden);
  const double attention = 2 * tokens * tokens * d;  // Q K^T and P V over all heads
  const double head = (c.distilled ? 2.0 : 1.0) * d * c.num_classes;
  return 2 * (embed + c.depth * (linear + attention) + head) / 1e9;
}

}  // namespace vit::tools
