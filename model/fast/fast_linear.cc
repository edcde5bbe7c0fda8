#include "model/fast/fast_linear.h"

#include <ATen/ATen.h>
#include <c10/util/Exception.h>

#include <cstring>

#include "model/fast/dnnl_context.h"
#include "model/fast/quantize_kernels.h"

namespace vit::fast {

using dt = dnnl::memory::data_type;
using tag = dnnl::memory::format_tag;

namespace {

// s8 layers are 3-D matmuls [1, rows, cols]: oneDNN 2.6's brgemm kernels take
// a per-row binary_mul operand only in that form ([1, rows, 1] broadcasts like
// a channel); a 2-D [rows, 1] one sends the matmul to the reference kernel.
dnnl::memory::desc Plain(bool three_d, int64_t rows, int64_t cols, dt type) {
  if (three_d) return dnnl::memory::desc({1, rows, cols}, type, tag::abc);
  return dnnl::memory::desc({rows, cols}, type, tag::ab);
}

}  // namespace

FastLinear::FastLinear(const at::Tensor& weight, const at::Tensor& bias, dt src_dt, dt dst_dt,
                       Epilogue epilogue, int64_t hint_rows, int32_t src_zero_point)
    : in_(weight.size(1)),
      out_(weight.size(0)),
      src_dt_(src_dt),
      dst_dt_(dst_dt),
      epilogue_(epilogue),
      src_zero_point_(src_zero_point) {
  TORCH_CHECK(weight.dim() == 2 && weight.scalar_type() == at::kFloat,
              "FastLinear: expected a float32 [out, in] weight, got ", weight.sizes(), " ",
              weight.scalar_type());
  if (bias.defined()) {
    TORCH_CHECK(bias.numel() == out_, "FastLinear: bias has ", bias.numel(), " values, expected ",
                out_);
    bias_ = dnnl::memory(Plain(quantized(), 1, out_, dt::f32), CpuEngine());
    auto b = bias.to(at::kFloat).contiguous();
    std::memcpy(bias_.get_data_handle(), b.data_ptr<float>(), sizeof(float) * out_);
  }
  auto w = weight.contiguous();
  at::Tensor q;  // s8 layers: the quantized [out, in] weight, until packed
  if (quantized()) {
    // Symmetric per-output-channel s8: row n of [out, in] is quantized with
    // scale max|w_n| / 127, by the activations' own row quantizer.
    weight_scales_.resize(static_cast<size_t>(out_));
    q = at::empty({out_, in_}, at::kChar);
    QuantizeRows(w.data_ptr<float>(), out_, in_, q.data_ptr<int8_t>(), weight_scales_.data());
  }
  // Let the kernel choose the weight layout, then convert (f32 -> bf16, or
  // the s8 values, with oneDNN's s8-source compensation) and reorder the
  // [out, in] torch weight into it once.
  const dt weight_dt = quantized() ? dt::s8 : src_dt_;
  const dnnl::memory::dims weight_dims =
      quantized() ? dnnl::memory::dims{1, in_, out_} : dnnl::memory::dims{in_, out_};
  auto pd = MakePrimitiveDesc(hint_rows, dnnl::memory::desc(weight_dims, weight_dt, tag::any));
  weights_ = dnnl::memory(pd.weights_desc(), CpuEngine());
  // The [out, in] row-major weight seen as [(1,) in, out].
  dnnl::memory user =
      quantized() ? dnnl::memory({weight_dims, dt::s8, tag::acb}, CpuEngine(), q.data_ptr<int8_t>())
                  : dnnl::memory({weight_dims, dt::f32, tag::ba}, CpuEngine(), w.data_ptr<float>());
  dnnl::reorder(user, weights_).execute(CpuStream(), user, weights_);
  CpuStream().wait();
}

dnnl::primitive_attr FastLinear::MakeAttr(int64_t rows) const {
  dnnl::primitive_attr attr;
  dnnl::post_ops post_ops;
  if (quantized()) {
    // s32 -> float: acc * weight_scale[n] * row_scale[m] + bias[n]. The bias
    // is a post-op, not the matmul's bias, because oneDNN 2.x adds that one
    // before the output scales, where a per-row scale would scale it too.
    attr.set_output_scales(/*mask=*/1 << 2, weight_scales_);  // per output channel
    // oneDNN subtracts the zero point's product with the weight's column sums.
    if (src_zero_point_ != 0) attr.set_zero_points(DNNL_ARG_SRC, /*mask=*/0, {src_zero_point_});
    post_ops.append_binary(dnnl::algorithm::binary_mul, Plain(true, rows, 1, dt::f32));
    if (bias_) post_ops.append_binary(dnnl::algorithm::binary_add, bias_.get_desc());
  }
  if (epilogue_ == Epilogue::kGelu)
    post_ops.append_eltwise(1.f, dnnl::algorithm::eltwise_gelu_erf, 0.f, 0.f);
  if (epilogue_ == Epilogue::kAccumulate) post_ops.append_sum(1.f);
  attr.set_post_ops(post_ops);
  return attr;
}

dnnl::matmul::primitive_desc FastLinear::MakePrimitiveDesc(
    int64_t rows, const dnnl::memory::desc& weights) const {
  const dnnl::memory::desc src = Plain(quantized(), rows, in_, src_dt_);
  const dnnl::memory::desc dst = Plain(quantized(), rows, out_, dst_dt_);
  const dnnl::primitive_attr attr = MakeAttr(rows);
  if (bias_ && !quantized()) {
    dnnl::matmul::desc desc(src, weights, bias_.get_desc(), dst);
    return dnnl::matmul::primitive_desc(desc, attr, CpuEngine());
  }
  dnnl::matmul::desc desc(src, weights, dst);
  return dnnl::matmul::primitive_desc(desc, attr, CpuEngine());
}

FastLinear::Plan& FastLinear::PlanFor(int64_t rows) {
  auto it = plans_.find(rows);
  if (it != plans_.end()) return it->second;
  // The packed layout does not depend on the row count for oneDNN's matmul
  // kernels; pass it explicitly so the packed weight is valid for every plan.
  auto pd = MakePrimitiveDesc(rows, weights_.get_desc());
  Plan plan{dnnl::matmul(pd),
            dnnl::memory(pd.src_desc(), CpuEngine(), nullptr),
            dnnl::memory(pd.dst_desc(), CpuEngine(), nullptr),
            dnnl::memory(),
            {}};
  plan.args = {{DNNL_ARG_SRC, plan.src}, {DNNL_ARG_WEIGHTS, weights_}, {DNNL_ARG_DST, plan.dst}};
  if (quantized()) {
    plan.row_scales = dnnl::memory(Plain(true, rows, 1, dt::f32), CpuEngine(), nullptr);
    plan.args.emplace(DNNL_ARG_ATTR_MULTIPLE_POST_OP(0) | DNNL_ARG_SRC_1, plan.row_scales);
    if (bias_) plan.args.emplace(DNNL_ARG_ATTR_MULTIPLE_POST_OP(1) | DNNL_ARG_SRC_1, bias_);
  } else if (bias_) {
    plan.args.emplace(DNNL_ARG_BIAS, bias_);
  }
  return plans_.emplace(rows, std::move(plan)).first->second;
}

void FastLinear::Run(const void* src, void* dst, int64_t rows, const float* row_scales) {
  Plan& plan = PlanFor(rows);
  if (quantized()) {
    TORCH_CHECK(row_scales != nullptr, "FastLinear: an s8 layer needs the input's row scales");
    plan.row_scales.set_data_handle(const_cast<float*>(row_scales));
  }
  plan.src.set_data_handle(const_cast<void*>(src));
  plan.dst.set_data_handle(dst);
  plan.matmul.execute(CpuStream(), plan.args);
}

int64_t FastLinear::packed_bytes() const {
  return static_cast<int64_t>(weights_.get_desc().get_size()) +
         (bias_ ? static_cast<int64_t>(bias_.get_desc().get_size()) : 0);
}

}  // namespace vit::fast
