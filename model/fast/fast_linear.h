// A linear layer y = x W^T + b on oneDNN's matmul: the weight is converted
// and reordered once into the layout the matmul kernel wants (AMX / AVX-512
// blocked), and the bias plus an optional GELU or residual accumulation are
// fused into the same kernel as post-ops.
//
// With an int8 input (src_dt s8 or u8) the weight is quantized per output
// channel (symmetric s8, scale max|w_n| / 127) and prepacked once, and the
// input arrives quantized per row (quantize_kernels.h) with its row scales.
// The product is a plain 2-D (s8 or u8) x s8 -> s32 matmul, each thread
// running its share of the rows in blocks (dnnl_context.h, OneThreadScope),
// each block's accumulators dequantized while still in cache by
// int8_epilogue.h, which also applies the bias, the GELU or residual add, and
// the output's conversion (with a u8 output: quantized per row for the next
// int8 layer).
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

#include <oneapi/dnnl/dnnl.hpp>

#include "model/fast/int8_epilogue.h"

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
  /// packed layout of a float layer. A u8 input has `src_zero_point` (row r's values are
  /// row_scales[r] * (q - src_zero_point)); default 0.
  /// An int8 layer may have a u8 output (only with kGelu: fc1, whose output
  /// is fc2's input), quantized per row with `dst_zero_point`.
  FastLinear(const at::Tensor& weight, const at::Tensor& bias, dnnl::memory::data_type src_dt,
             dnnl::memory::data_type dst_dt, Epilogue epilogue, int64_t hint_rows,
             int32_t src_zero_point = 0, int32_t dst_zero_point = 0);

  /// src [rows, in] -> dst [rows, out], both dense row-major. An s8 / u8 layer
  /// needs `row_scales` [rows] (src row r is row_scales[r] * its int8 values);
  /// float layers ignore it. A u8 output writes its row scales to `dst_row_scales`.
  /// An int8 kAccumulate layer may fuse the LayerNorm of its output rows
  /// (`next_norm`, int8_epilogue.h; its codes may be this layer's `src`).
  void Run(const void* src, void* dst, int64_t rows, const float* row_scales = nullptr,
           float* dst_row_scales = nullptr, const Int8NextNorm* next_norm = nullptr);

  /// An int8 layer's product alone, for callers with their own epilogue:
  /// src [rows, in] (one matmul call) -> its s32 accumulators [rows, out],
  /// valid until the next int8 layer runs on this thread. Their values are
  /// dequantized by Dequantization(row_scales) (no GELU: the caller's epilogue).
  const int32_t* RunToAccumulators(const void* src, int64_t rows);
  Int8Dequantization Dequantization(const float* row_scales) const;
  /// RunToAccumulators() on the calling thread alone, for a caller that
  /// splits the rows between threads in its own parallel region. The plan
  /// for `rows` must be made first, outside that region: PrepareOnThread().
  /// The accumulators are the calling thread's.
  void PrepareOnThread(int64_t rows);
  const int32_t* RunToAccumulatorsOnThread(const void* src, int64_t rows) const;

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
    std::unordered_map<int, dnnl::memory> args;  // execute() arguments, built once
  };
  /// An int8 product made for one thread (OneThreadScope), run with a user
  /// scratchpad.
  struct OneThreadPlan {
    dnnl::matmul matmul;
    dnnl::memory::desc src, dst, scratchpad;
  };
  bool quantized() const {
    return src_dt_ == dnnl::memory::data_type::s8 || src_dt_ == dnnl::memory::data_type::u8;
  }
  dnnl::primitive_attr MakeAttr() const;
  dnnl::matmul::primitive_desc MakePrimitiveDesc(int64_t rows,
                                                 const dnnl::memory::desc& weights) const;
  Plan& PlanFor(int64_t rows);
  void RunQuantized(const void* src, void* dst, int64_t rows, const float* row_scales,
                    float* dst_row_scales, const Int8NextNorm* next_norm);

  int64_t in_ = 0;
  int64_t out_ = 0;
  dnnl::memory::data_type src_dt_;
  dnnl::memory::data_type dst_dt_;
  Epilogue epilogue_;
  int32_t src_zero_point_;
  int32_t dst_zero_point_;
  dnnl::memory weights_;
  dnnl::memory bias_;                 // float layers: empty when the layer has no bias
  std::vector<float> weight_scales_;  // int8 layers: one per output channel
  std::vector<float> bias_values_;    // int8 layers: the bias (empty: none)
  std::vector<int32_t> offsets_;      // u8 inputs: zero point x column sums of the s8 weight
  std::unordered_map<int64_t, Plan> plans_;
  std::unordered_map<int64_t, OneThreadPlan> one_thread_plans_;  // int8, by rows
};

}  // namespace vit::fast
