#include "model/fast/fast_linear.h"

#include <ATen/ATen.h>
#include <c10/util/Exception.h>

#include <cstring>

#include "model/fast/dnnl_context.h"

namespace vit::fast {

using dt = dnnl::memory::data_type;
using tag = dnnl::memory::format_tag;

FastLinear::FastLinear(const at::Tensor& weight, const at::Tensor& bias, dt src_dt, dt dst_dt,
                       Epilogue epilogue, int64_t hint_rows)
    : in_(weight.size(1)),
      out_(weight.size(0)),
      src_dt_(src_dt),
      dst_dt_(dst_dt),
      epilogue_(epilogue) {
  TORCH_CHECK(weight.dim() == 2 && weight.scalar_type() == at::kFloat,
              "FastLinear: expected a float32 [out, in] weight, got ", weight.sizes(), " ",
              weight.scalar_type());
  dnnl::post_ops post_ops;
  if (epilogue_ == Epilogue::kGelu)
    post_ops.append_eltwise(1.f, dnnl::algorithm::eltwise_gelu_erf, 0.f, 0.f);
  if (epilogue_ == Epilogue::kAccumulate) post_ops.append_sum(1.f);
  attr_.set_post_ops(post_ops);

  if (bias.defined()) {
    TORCH_CHECK(bias.numel() == out_, "FastLinear: bias has ", bias.numel(), " values, expected ",
                out_);
    bias_ = dnnl::memory({{1, out_}, dt::f32, tag::ab}, CpuEngine());
    auto b = bias.to(at::kFloat).contiguous();
    std::memcpy(bias_.get_data_handle(), b.data_ptr<float>(), sizeof(float) * out_);
  }
  // Let the kernel choose the weight layout, then convert (f32 -> bf16) and
  // reorder the [out, in] torch weight into it once.
  auto pd = MakePrimitiveDesc(hint_rows, dnnl::memory::desc({in_, out_}, src_dt_, tag::any));
  weights_ = dnnl::memory(pd.weights_desc(), CpuEngine());
  auto w = weight.contiguous();
  dnnl::memory user({{in_, out_}, dt::f32, tag::ba}, CpuEngine(), w.data_ptr<float>());
  dnnl::reorder(user, weights_).execute(CpuStream(), user, weights_);
  CpuStream().wait();
}

dnnl::matmul::primitive_desc FastLinear::MakePrimitiveDesc(
    int64_t rows, const dnnl::memory::desc& weights) const {
  dnnl::memory::desc src({rows, in_}, src_dt_, tag::ab);
  dnnl::memory::desc dst({rows, out_}, dst_dt_, tag::ab);
  if (bias_) {
    dnnl::matmul::desc desc(src, weights, bias_.get_desc(), dst);
    return dnnl::matmul::primitive_desc(desc, attr_, CpuEngine());
  }
  dnnl::matmul::desc desc(src, weights, dst);
  return dnnl::matmul::primitive_desc(desc, attr_, CpuEngine());
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
            {}};
  plan.args = {{DNNL_ARG_SRC, plan.src}, {DNNL_ARG_WEIGHTS, weights_}, {DNNL_ARG_DST, plan.dst}};
  if (bias_) plan.args.emplace(DNNL_ARG_BIAS, bias_);
  return plans_.emplace(rows, std::move(plan)).first->second;
}

void FastLinear::Run(const void* src, void* dst, int64_t rows) {
  Plan& plan = PlanFor(rows);
  plan.src.set_data_handle(const_cast<void*>(src));
  plan.dst.set_data_handle(dst);
  plan.matmul.execute(CpuStream(), plan.args);
}

int64_t FastLinear::packed_bytes() const {
  return static_cast<int64_t>(weights_.get_desc().get_size()) +
         (bias_ ? static_cast<int64_t>(bias_.get_desc().get_size()) : 0);
}

}  // namespace vit::fast
