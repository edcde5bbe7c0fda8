#include "model/pos_embed.h"

#include <ATen/ATen.h>

namespace vit {

at::Tensor ResamplePosEmbed(const at::Tensor& pos_embed, int64_t new_h, int64_t new_w,
                            int64_t old_h, int64_t old_w, int64_t num_prefix_rows) {
  if (new_h == old_h && new_w == old_w) return pos_embed;
  const int64_t dim = pos_embed.size(-1);
  at::Tensor prefix = pos_embed.narrow(/*dim=*/1, /*start=*/0, /*length=*/num_prefix_rows);
  at::Tensor grid =
      pos_embed.narrow(/*dim=*/1, /*start=*/num_prefix_rows, /*length=*/old_h * old_w);
  const auto dtype = grid.scalar_type();
  grid = grid.to(at::kFloat).reshape({1, old_h, old_w, dim}).permute({0, 3, 1, 2});
  // timm uses F.interpolate(mode='bicubic', antialias=True): the separable
  // PIL-style kernel (a = -0.5), which differs from plain bicubic (a = -0.75).
  grid = at::_upsample_bicubic2d_aa(grid, /*output_size=*/{new_h, new_w}, /*align_corners=*/false);
  grid = grid.permute({0, 2, 3, 1}).reshape({1, new_h * new_w, dim}).to(dtype);
  return at::cat({prefix, grid}, /*dim=*/1);
}

}  // namespace vit
