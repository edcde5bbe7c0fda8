#include "model/fast/fast_linear.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <c10/util/Exception.h>

#include <algorithm>
#include <cstring>

#include "model/fast/dnnl_context.h"
#include "model/fast/int8_epilogue.h"
#include "model/fast/quantize_kernels.h"

namespace vit::fast {

using dt = dnnl::memory::data_type;
using tag = dnnl::memory::format_tag;

namespace {

// Rows of an int8 layer's product per matmul call, on one thread: each
// thread takes an equal share of the rows (one parallel region per layer)
// and runs them in blocks of about this many, whose accumulators (ViT-B's
// fc1: 1.5 MiB, proj / fc2: 384 KiB) it dequantizes while they are in its
// cache. ViT-B/16 batch 8 on a 2-core Zen 5 EPYC: proj / fc1 / fc2 1.70 /
// 5.80 / 5.29 ms per call, against 1.82 / 6.20 / 5.47 ms for chunks of 394
// rows each split between the threads by oneDNN; 394-row blocks ran fc1 in
// 6.1 ms, 64-row ones were slower overall.
constexpr int64_t kInt8BlockRows = 128;

// The rows [begin, end) of thread `t` of `threads`.
void ThreadRows(int64_t rows, int64_t t, int64_t threads, int64_t* begin, int64_t* end) {
  *begin = rows * t / threads;
  *end = rows * (t + 1) / threads;
}

// Equal blocks of at most kInt8BlockRows rows over `rows` (at most two sizes).
int64_t BlockRows(int64_t rows) {
  const int64_t blocks = std::max<int64_t>(1, (rows + kInt8BlockRows - 1) / kInt8BlockRows);
  return (rows + blocks - 1) / blocks;
}

// The s32 accumulators of one matmul call, per thread, shared by every layer.
std::vector<int32_t>& AccumulatorScratch() {
  thread_local std::vector<int32_t> scratch;
  return scratch;
}

}  // namespace

FastLinear::FastLinear(const at::Tensor& weight, const at::Tensor& bias, dt src_dt, dt dst_dt,
                       Epilogue epilogue, int64_t hint_rows, int32_t src_zero_point,
                       int32_t dst_zero_point)
    : in_(weight.size(1)),
      out_(weight.size(0)),
      src_dt_(src_dt),
      dst_dt_(dst_dt),
      epilogue_(epilogue),
      src_zero_point_(src_zero_point),
      dst_zero_point_(dst_zero_point) {
  TORCH_CHECK(weight.dim() == 2 && weight.scalar_type() == at::kFloat,
              "FastLinear: expected a float32 [out, in] weight, got ", weight.sizes(), " ",
              weight.scalar_type());
  TORCH_CHECK(dst_dt_ != dt::u8 || (quantized() && epilogue_ == Epilogue::kGelu),
              "FastLinear: a u8 output is only for an int8 layer with GELU");
  TORCH_CHECK(epilogue_ != Epilogue::kAccumulate || dst_dt_ == dt::f32,
              "FastLinear: the residual stream is float32");
  at::Tensor b;
  if (bias.defined()) {
    TORCH_CHECK(bias.numel() == out_, "FastLinear: bias has ", bias.numel(), " values, expected ",
                out_);
    b = bias.to(at::kFloat).contiguous();
  }
  auto w = weight.contiguous();
  const dnnl::memory::dims weight_dims{in_, out_};
  if (!quantized()) {
    if (b.defined()) {
      bias_ = dnnl::memory({{1, out_}, dt::f32, tag::ab}, CpuEngine());
      std::memcpy(bias_.get_data_handle(), b.data_ptr<float>(), sizeof(float) * out_);
    }
    // Let the kernel choose the weight layout, then convert (f32 -> bf16) and
    // reorder the [out, in] torch weight, seen as [in, out], into it once.
    auto pd = MakePrimitiveDesc(hint_rows, dnnl::memory::desc(weight_dims, src_dt_, tag::any));
    weights_ = dnnl::memory(pd.weights_desc(), CpuEngine());
    dnnl::memory user({weight_dims, dt::f32, tag::ba}, CpuEngine(), w.data_ptr<float>());
    dnnl::reorder(user, weights_).execute(CpuStream(), user, weights_);
    CpuStream().wait();
    return;
  }
  if (b.defined()) bias_values_.assign(b.data_ptr<float>(), b.data_ptr<float>() + out_);
  // Symmetric per-output-channel s8: row n of [out, in] is quantized with
  // scale max|w_n| / 127, by the activations' own row quantizer.
  weight_scales_.resize(static_cast<size_t>(out_));
  at::Tensor q = at::empty({out_, in_}, at::kChar);
  QuantizeRows(w.data_ptr<float>(), out_, in_, q.data_ptr<int8_t>(), weight_scales_.data());
  if (src_zero_point_ != 0) {
    // sum_k (x_k - z) w_nk = sum_k x_k w_nk - z sum_k w_nk: the matmul takes
    // the raw u8 codes and the epilogue subtracts the second term.
    const at::Tensor sums = q.sum(/*dim=*/1, /*keepdim=*/false, at::kInt);
    const int32_t* sum = sums.data_ptr<int32_t>();
    offsets_.resize(static_cast<size_t>(out_));
    for (int64_t n = 0; n < out_; ++n) offsets_[n] = src_zero_point_ * sum[n];
  }
  // The packed layout is the same for every row count. (For an s8 input
  // oneDNN would add a compensation for its VNNI u8 x s8 instructions to it
  // and shift the input by 128 on every call; the runner's inputs are u8.)
  auto pd = MakePrimitiveDesc(kInt8BlockRows, dnnl::memory::desc(weight_dims, dt::s8, tag::any));
  weights_ = dnnl::memory(pd.weights_desc(), CpuEngine());
  dnnl::memory user({weight_dims, dt::s8, tag::ba}, CpuEngine(), q.data_ptr<int8_t>());
  dnnl::reorder(user, weights_).execute(CpuStream(), user, weights_);
  CpuStream().wait();
}

dnnl::primitive_attr FastLinear::MakeAttr() const {
  dnnl::primitive_attr attr;
  if (quantized()) return attr;  // the epilogue pass does the rest
  dnnl::post_ops post_ops;
  if (epilogue_ == Epilogue::kGelu)
    post_ops.append_eltwise(1.f, dnnl::algorithm::eltwise_gelu_erf, 0.f, 0.f);
  if (epilogue_ == Epilogue::kAccumulate) post_ops.append_sum(1.f);
  attr.set_post_ops(post_ops);
  return attr;
}

dnnl::matmul::primitive_desc FastLinear::MakePrimitiveDesc(
    int64_t rows, const dnnl::memory::desc& weights) const {
  const dnnl::memory::desc src({rows, in_}, src_dt_, tag::ab);
  const dnnl::memory::desc dst({rows, out_}, quantized() ? dt::s32 : dst_dt_, tag::ab);
  const dnnl::primitive_attr attr = MakeAttr();
  if (bias_) {
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
            {}};
  plan.args = {{DNNL_ARG_SRC, plan.src}, {DNNL_ARG_WEIGHTS, weights_}, {DNNL_ARG_DST, plan.dst}};
  if (bias_) plan.args.emplace(DNNL_ARG_BIAS, bias_);
  return plans_.emplace(rows, std::move(plan)).first->second;
}

void FastLinear::Run(const void* src, void* dst, int64_t rows, const float* row_scales,
                     float* dst_row_scales, const Int8NextNorm* next_norm) {
  if (quantized()) {
    RunQuantized(src, dst, rows, row_scales, dst_row_scales, next_norm);
    return;
  }
  TORCH_CHECK(next_norm == nullptr, "FastLinear: only int8 layers fuse the next LayerNorm");
  Plan& plan = PlanFor(rows);
  plan.src.set_data_handle(const_cast<void*>(src));
  plan.dst.set_data_handle(dst);
  plan.matmul.execute(CpuStream(), plan.args);
}

void FastLinear::RunQuantized(const void* src, void* dst, int64_t rows, const float* row_scales,
                              float* dst_row_scales, const Int8NextNorm* next_norm) {
  TORCH_CHECK(next_norm == nullptr || epilogue_ == Epilogue::kAccumulate,
              "FastLinear: the next LayerNorm fuses only into a residual (kAccumulate) layer");
  TORCH_CHECK(row_scales != nullptr, "FastLinear: an int8 layer needs the input's row scales");
  TORCH_CHECK(dst_dt_ != dt::u8 || dst_row_scales != nullptr,
              "FastLinear: a u8 output needs somewhere to put its row scales");
  Int8Output output = Int8Output::kFloat;
  if (epilogue_ == Epilogue::kAccumulate) {
    output = Int8Output::kAccumulate;
  } else if (dst_dt_ == dt::bf16) {
    output = Int8Output::kBf16;
  } else if (dst_dt_ == dt::u8) {
    output = Int8Output::kQuantizeU8;
  }
  const size_t dst_bytes = dst_dt_ == dt::f32 ? 4 : dst_dt_ == dt::bf16 ? 2 : 1;
  Int8Dequantization d = Dequantization(nullptr);
  d.gelu = epilogue_ == Epilogue::kGelu;
  const int64_t threads = std::max(1, at::get_num_threads());
  // The plans each thread will use, made here: not inside the region.
  for (int64_t t = 0; t < threads; ++t) {
    int64_t begin, end;
    ThreadRows(rows, t, threads, &begin, &end);
    const int64_t block = BlockRows(end - begin);
    for (int64_t r = begin; r < end; r += block) PrepareOnThread(std::min(block, end - r));
  }
  at::parallel_for(0, threads, 1, [&](int64_t first, int64_t last) {
    for (int64_t t = first; t < last; ++t) {
      int64_t begin, end;
      ThreadRows(rows, t, threads, &begin, &end);
      const int64_t block = BlockRows(end - begin);
      for (int64_t r = begin; r < end; r += block) {
        const int64_t n = std::min(block, end - r);
        const int32_t* acc =
            RunToAccumulatorsOnThread(static_cast<const char*>(src) + r * in_, n);  // 1 byte each
        Int8Dequantization block_d = d;
        block_d.row_scales = row_scales + r;
        Int8NextNorm norm;
        if (next_norm != nullptr) {
          norm = *next_norm;
          norm.codes += r * out_;
          norm.scales += r;
        }
        // Inside this region DequantizeRows runs on this thread alone.
        DequantizeRows(acc, n, out_, block_d, output,
                       static_cast<char*>(dst) + static_cast<size_t>(r * out_) * dst_bytes,
                       dst_zero_point_, dst_row_scales != nullptr ? dst_row_scales + r : nullptr,
                       next_norm != nullptr ? &norm : nullptr);
      }
    }
  });
}

Int8Dequantization FastLinear::Dequantization(const float* row_scales) const {
  Int8Dequantization d;
  d.row_scales = row_scales;
  d.weight_scales = weight_scales_.data();
  d.offsets = offsets_.empty() ? nullptr : offsets_.data();
  d.bias = bias_values_.empty() ? nullptr : bias_values_.data();
  return d;
}

const int32_t* FastLinear::RunToAccumulators(const void* src, int64_t rows) {
  TORCH_CHECK(quantized(), "FastLinear: only an int8 layer has accumulators");
  std::vector<int32_t>& acc = AccumulatorScratch();
  if (static_cast<int64_t>(acc.size()) < rows * out_) acc.resize(static_cast<size_t>(rows * out_));
  Plan& plan = PlanFor(rows);
  plan.src.set_data_handle(const_cast<void*>(src));
  plan.dst.set_data_handle(acc.data());
  plan.matmul.execute(CpuStream(), plan.args);
  CpuStream().wait();
  return acc.data();
}

void FastLinear::PrepareOnThread(int64_t rows) {
  TORCH_CHECK(quantized(), "FastLinear: only an int8 layer runs on one thread");
  if (one_thread_plans_.count(rows) != 0) return;
  const dnnl::memory::desc src({rows, in_}, src_dt_, tag::ab);
  const dnnl::memory::desc dst({rows, out_}, dt::s32, tag::ab);
  const OneThreadScope one_thread;
  dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(src, weights_.get_desc(), dst),
                                  UserScratchpadAttr(), CpuEngine());
  one_thread_plans_.emplace(
      rows, OneThreadPlan{dnnl::matmul(pd), pd.src_desc(), pd.dst_desc(), pd.scratchpad_desc()});
}

const int32_t* FastLinear::RunToAccumulatorsOnThread(const void* src, int64_t rows) const {
  const auto it = one_thread_plans_.find(rows);
  TORCH_CHECK(it != one_thread_plans_.end(), "FastLinear: no one-thread plan for ", rows,
              " rows (PrepareOnThread)");
  const OneThreadPlan& plan = it->second;
  std::vector<int32_t>& acc = AccumulatorScratch();
  if (static_cast<int64_t>(acc.size()) < rows * out_) acc.resize(static_cast<size_t>(rows * out_));
  const dnnl::memory src_memory(plan.src, CpuEngine(), const_cast<void*>(src));
  const dnnl::memory dst_memory(plan.dst, CpuEngine(), acc.data());
  ExecuteMatmulOnThread(plan.matmul, src_memory, weights_, dst_memory, plan.scratchpad);
  return acc.data();
}

int64_t FastLinear::packed_bytes() const {
  return static_cast<int64_t>(weights_.get_desc().get_size()) +
         (bias_ ? static_cast<int64_t>(bias_.get_desc().get_size()) : 0) +
         static_cast<int64_t>(sizeof(float) * bias_values_.size() +
                              sizeof(int32_t) * offsets_.size());
}

}  // namespace vit::fast
