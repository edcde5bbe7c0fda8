#include "model/vit_config.h"

#include <sstream>

namespace vit {

std::string VitConfig::Validate() const {
  std::ostringstream problem;
  if (patch_size <= 0)
    problem << "patch_size must be positive, got " << patch_size;
  else if (img_height % patch_size != 0 || img_width % patch_size != 0)
    problem << "image size " << img_height << "x" << img_width
            << " is not a multiple of patch size " << patch_size;
  else if (embed_dim <= 0 || num_heads <= 0 || embed_dim % num_heads != 0)
    problem << "embed_dim " << embed_dim << " is not divisible by num_heads " << num_heads;
  else if (depth < 0)
    problem << "depth must be >= 0, got " << depth;
  else if (in_chans != 1 && in_chans != 3)
    problem << "in_chans must be 1 or 3, got " << in_chans;
  else if (global_pool != "token" && global_pool != "avg")
    problem << "global_pool must be 'token' or 'avg', got '" << global_pool << "'";
  else if (global_pool == "token" && num_prefix_tokens() == 0)
    problem << "global_pool 'token' needs a class token";
  return problem.str();
}

std::string VitConfig::ToString() const {
  std::ostringstream out;
  out << "vit patch" << patch_size << " " << img_height << "x" << img_width
      << " in_chans=" << in_chans << " dim=" << embed_dim << " depth=" << depth
      << " heads=" << num_heads << " mlp=" << mlp_hidden_dim << " pool=" << global_pool;
  if (class_token) out << " cls";
  if (distilled) out << " +dist";
  if (num_reg_tokens > 0) out << " reg=" << num_reg_tokens;
  if (no_embed_class) out << " no_embed_class";
  if (fc_norm) out << " fc_norm";
  if (layer_scale) out << " layerscale";
  if (!qkv_bias) out << " no_qkv_bias";
  if (dynamic_img_size) out << " dynamic_size";
  out << " eps=" << layer_norm_eps << " classes=" << num_classes;
  return out.str();
}

}  // namespace vit
