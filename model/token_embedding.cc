#include "model/token_embedding.h"

#include <ATen/ATen.h>
#include <c10/util/Exception.h>

#include <vector>

#include "model/pos_embed.h"

namespace vit {

TokenEmbedding EmbeddingForGrid(const VitConfig& config, const at::Tensor& cls_token,
                                const at::Tensor& dist_token, const at::Tensor& reg_token,
                                const at::Tensor& pos_embed, int64_t grid_h, int64_t grid_w) {
  const int64_t dim = config.embed_dim;
  const int64_t num_prefix = config.num_prefix_tokens();
  // Rows of pos_embed that belong to the prefix tokens (none with no_embed_class).
  const int64_t pos_prefix = config.no_embed_class ? 0 : num_prefix;
  at::Tensor pos = pos_embed;
  if (grid_h != config.grid_height() || grid_w != config.grid_width()) {
    TORCH_CHECK(config.dynamic_img_size, "input grid ", grid_h, "x", grid_w,
                " differs from the trained grid ", config.grid_height(), "x", config.grid_width(),
                " and the model has no dynamic image size");
    pos = ResamplePosEmbed(pos, grid_h, grid_w, config.grid_height(), config.grid_width(),
                           pos_prefix);
  }
  pos = pos.reshape({-1, dim});
  std::vector<at::Tensor> tokens;
  if (config.class_token) tokens.push_back(cls_token.reshape({-1, dim}));
  if (config.distilled) tokens.push_back(dist_token.reshape({-1, dim}));
  if (config.num_reg_tokens > 0) tokens.push_back(reg_token.reshape({-1, dim}));
  TokenEmbedding out;
  out.prefix = tokens.empty() ? at::zeros({0, dim}, pos.options()) : at::cat(tokens, /*dim=*/0);
  if (pos_prefix > 0) out.prefix = out.prefix + pos.narrow(0, 0, pos_prefix);
  out.patch_pos = pos.narrow(0, pos_prefix, grid_h * grid_w);
  return out;
}

}  // namespace vit
