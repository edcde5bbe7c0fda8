// A linear layer y = x W^T + b on oneDNN's matmul: the weight is converted
// and reordered once into the layout the matmul kernel wants (AMX / AVX-512
// blocked), and the bias plus an optional GELU or residual accumulation are
// fused into the same kernel as post-ops.
//
// With an int8 input (src_dt s8) the weight is quantized per output channel
// (symmetric s8, scale max|w_n| / 127) and the input arrives quantized per row
// (quantize_kernels.h) with its row scales; the s32 accumulator is dequantized
// in the kernel's epilogue: output scales (weight scale per channel), a
// binary_mul by the row scales, a binary_add of the float32 bias,
// then the GELU or residual post-op.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

#include <oneapi/dnnl/dnnl.hpp>

namespace vit::fast {

enum class Epilogue {
  /// dst = x W^T + b
  kNone,
  /// dst = gelu_erf(x W^T + b)
  kGelu,
  /// dst += x W^T + b (the residual stream is dst)
  kAccumulate,
};

class FastLinear {
 public:
  /// `weight` [out, in] and `bias` [out] (undefined: none) are float32 and
  /// only read here. The input has `src_dt`, which is also the weights' dtype
  /// (f32, bf16, or s8 / u8: then the weight is quantized per output channel
  /// to s8); the output has `dst_dt` (f32 or bf16). `hint_rows` picks the
  /// packed layout. A u8 input has `src_zero_point` (row r's values are
  /// row_scales[r] * (q - src_zero_point)); default 0.
  FastLinear(const at::Tensor& weight, const at::Tensor& bias, dnnl::memory::data_type src_dt,
             dnnl::memory::data_type dst_dt, Epilogue epilogue, int64_t hint_rows,
             int32_t src_zero_point = 0);

  /// src [rows, in] -> dst [rows, out], both dense row-major. An s8 / u8 layer
  /// needs `row_scales` [rows] (src row r is row_scales[r] * its int8 values);
  /// float layers ignore it.
  void Run(const void* src, void* dst, int64_t rows, const float* row_scales = nullptr);

  /// The per-output-channel scales of an s8 layer's weight (empty otherwise).
  const std::vector<float>& weight_scales() const { return weight_scales_; }

  int64_t in_features() const { return in_; }
  int64_t out_features() const { return out_; }
  /// Bytes held by the packed weight and bias.
  int64_t packed_bytes() const;

 private:
  struct Plan {
    dnnl::matmul matmul;
    dnnl::memory src;
    dnnl::memory dst;
    dnnl::memory row_scales;                     // s8 layers: the [1, rows, 1] binary_mul operand
    std::unordered_map<int, dnnl::memory> args;  // execute() arguments, built once
  };
  bool quantized() const {
    return src_dt_ == dnnl::memory::data_type::s8 || src_dt_ == dnnl::memory::data_type::u8;
  }
  dnnl::primitive_attr MakeAttr(int64_t rows) const;
  dnnl::matmul::primitive_desc MakePrimitiveDesc(int64_t rows,
                                                 const dnnl::memory::desc& weights) const;
  Plan& PlanFor(int64_t rows);

  int64_t in_ = 0;
  int64_t out_ = 0;
  dnnl::memory::data_type src_dt_;
  dnnl::memory::data_type dst_dt_;
  Epilogue epilogue_;
  int32_t src_zero_point_;
  dnnl::memory weights_;
  dnnl::memory bias_;                 // empty when the layer has no bias
  std::vector<float> weight_scales_;  // s8 layers: one per output channel
  std::unordered_map<int64_t, Plan> plans_;
};

}  // namespace vit::fast
