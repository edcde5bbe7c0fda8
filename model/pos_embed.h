// Resampling of absolute position embeddings to another patch grid.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>

namespace vit {

/// timm's resample_abs_pos_embed: `pos_embed` is [1, prefix + old_h*old_w, D]
/// (prefix = number of leading prefix-token rows, 0 when they carry none);
/// returns [1, prefix + new_h*new_w, D], the grid part resized bicubically
/// with antialiasing (align_corners=false), the prefix rows unchanged.
at::Tensor ResamplePosEmbed(const at::Tensor& pos_embed, int64_t new_h, int64_t new_w,
                            int64_t old_h, int64_t old_w, int64_t num_prefix_rows);

}  // namespace vit
