// A linear layer y = x W^T + b on oneDNN's matmul: the weight is converted
// and reordered once into the layout the matmul kernel wants (AMX / AVX-512
// blocked), and the bias plus an optional GELU or residual accumulation are
// fused into the same kernel as post-ops.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <memory>
#include <unordered_map>

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
  /// (f32 or bf16); the output has `dst_dt`. `hint_rows` picks the packed layout.
  FastLinear(const at::Tensor& weight, const at::Tensor& bias, dnnl::memory::data_type src_dt,
             dnnl::memory::data_type dst_dt, Epilogue epilogue, int64_t hint_rows);

  /// src [rows, in] -> dst [rows, out], both dense row-major.
  void Run(const void* src, void* dst, int64_t rows);

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
  dnnl::matmul::primitive_desc MakePrimitiveDesc(int64_t rows,
                                                 const dnnl::memory::desc& weights) const;
  Plan& PlanFor(int64_t rows);

  int64_t in_ = 0;
  int64_t out_ = 0;
  dnnl::memory::data_type src_dt_;
  dnnl::memory::data_type dst_dt_;
  Epilogue epilogue_;
  dnnl::primitive_attr attr_;
  dnnl::memory weights_;
  dnnl::memory bias_;  // empty when the layer has no bias
  std::unordered_map<int64_t, Plan> plans_;
};

}  // namespace vit::fast
