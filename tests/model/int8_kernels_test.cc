// The int8 precision's kernels, each against a float reference of the same
// quantization: the row quantizers (float32, bf16, fused into LayerNorm) and
// the s8 and u8 FastLinear with each epilogue, at several row counts (each its own
// oneDNN plan).
#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "model/cpu_features.h"
#include "model/fast/fast_kernels.h"
#include "model/fast/fast_linear.h"
#include "model/fast/quantize_kernels.h"

namespace vit::fast {
namespace {

struct Quantized {
  std::vector<int8_t> q;
  std::vector<float> scales;
};

// QuantizeRowReference on each row of a float32 [rows, dim] tensor.
Quantized ReferenceQuantize(const at::Tensor& x) {
  const int64_t rows = x.size(0), dim = x.size(1);
  auto c = x.contiguous();
  Quantized out{std::vector<int8_t>(static_cast<size_t>(rows * dim)),
                std::vector<float>(static_cast<size_t>(rows))};
  for (int64_t r = 0; r < rows; ++r)
    QuantizeRowReference(c.data_ptr<float>() + r * dim, dim, out.q.data() + r * dim,
                         out.scales.data() + r);
  return out;
}

// Symmetric codes stored as u8 (QuantizeRowsAsU8 and the kernels that write
// the linear layers' inputs) back as the s8 codes they shift.
std::vector<int8_t> Unshifted(const std::vector<uint8_t>& u8) {
  std::vector<int8_t> s8(u8.size());
  for (size_t i = 0; i < u8.size(); ++i)
    s8[i] = static_cast<int8_t>(int32_t{u8[i]} - kSymmetricZeroPoint);
  return s8;
}

// q * scale per row, float64.
at::Tensor Dequantize(const Quantized& v, int64_t rows, int64_t dim) {
  auto q = at::from_blob(const_cast<int8_t*>(v.q.data()), {rows, dim}, at::kChar).to(at::kDouble);
  auto s = at::from_blob(const_cast<float*>(v.scales.data()), {rows, 1}).to(at::kDouble);
  return q * s;
}

at::Tensor RandomRows(int64_t rows, int64_t dim, uint64_t seed) {
  at::manual_seed(seed);
  // Rows of very different magnitudes, so per-row scales matter.
  return at::randn({rows, dim}) * at::exp(at::randn({rows, 1}) * 2);
}

// at::parallel_for runs serially in a translation unit built without OpenMP;
// the per-row passes (LayerNorm, quantization, the int8 epilogue) then used
// one core of two (model/CMakeLists.txt).
TEST(FastKernels, ParallelPassesUseEveryThread) {
#if defined(__clang__)
  GTEST_SKIP() << "clang builds (the sanitizers) run the per-row passes on one thread";
#else
  const int saved = at::get_num_threads();
  at::set_num_threads(2);
  EXPECT_EQ(KernelThreads(), 2);
  at::set_num_threads(1);
  EXPECT_EQ(KernelThreads(), 1);
  at::set_num_threads(saved);
#endif
}

TEST(QuantizeKernels, RowsMatchReferenceAndBoundTheError) {
  for (int64_t dim : {768, 37, 3072, 5}) {
    const int64_t rows = 41;
    auto x = RandomRows(rows, dim, static_cast<uint64_t>(dim));
    x[3].zero_();  // an all-zero row: scale 0, codes 0
    Quantized ours{std::vector<int8_t>(static_cast<size_t>(rows * dim)),
                   std::vector<float>(static_cast<size_t>(rows))};
    QuantizeRows(x.data_ptr<float>(), rows, dim, ours.q.data(), ours.scales.data());
    const Quantized ref = ReferenceQuantize(x);
    EXPECT_EQ(ours.q, ref.q) << "dim " << dim;
    EXPECT_EQ(ours.scales, ref.scales) << "dim " << dim;
    EXPECT_EQ(ours.scales[3], 0.f);
    // Every value within half a step of its code, and the largest one at +-127.
    auto err = (Dequantize(ours, rows, dim) - x.to(at::kDouble)).abs();
    auto half_step = at::from_blob(ours.scales.data(), {rows, 1}).to(at::kDouble) / 2;
    EXPECT_TRUE((err <= half_step * (1 + 1e-5) + 1e-12).all().item<bool>()) << "dim " << dim;
    const int64_t row = 7;
    const auto top = x[row].abs().argmax().item<int64_t>();
    EXPECT_EQ(std::abs(int{ours.q[row * dim + top]}), 127);
    // The u8 form: the same codes, each plus 128, and the same scales.
    std::vector<uint8_t> shifted(ours.q.size());
    std::vector<float> shifted_scales(ours.scales.size());
    QuantizeRowsAsU8(x.data_ptr<float>(), rows, dim, shifted.data(), shifted_scales.data());
    EXPECT_EQ(Unshifted(shifted), ref.q) << "dim " << dim;
    EXPECT_EQ(shifted_scales, ref.scales) << "dim " << dim;
  }
}

TEST(QuantizeKernels, Bf16RowsMatchReference) {
  const int64_t rows = 29, dim = 3072 + 9;
  auto x = RandomRows(rows, dim, 11).to(at::kBFloat16).contiguous();
  std::vector<uint16_t> bits(static_cast<size_t>(rows * dim));
  std::memcpy(bits.data(), x.data_ptr(), bits.size() * sizeof(uint16_t));
  std::vector<uint8_t> q(bits.size());
  std::vector<float> scales(static_cast<size_t>(rows));
  QuantizeRowsBf16AsU8(bits.data(), rows, dim, q.data(), scales.data());
  const Quantized ref = ReferenceQuantize(x.to(at::kFloat));
  EXPECT_EQ(Unshifted(q), ref.q);
  EXPECT_EQ(scales, ref.scales);
}

TEST(QuantizeKernels, U8RowsWithZeroPointMatchReferenceAndNeverClip) {
  const int64_t rows = 23, dim = 3072 + 5;
  // GELU-like rows: mostly positive, bounded below, of varied magnitude.
  auto x = at::gelu(RandomRows(rows, dim, 21));
  x[2].zero_();
  std::vector<uint8_t> q(static_cast<size_t>(rows * dim)), ref_q(q.size());
  std::vector<float> scales(static_cast<size_t>(rows)), ref_scales(scales.size());
  QuantizeRowsU8(x.data_ptr<float>(), rows, dim, kGeluZeroPoint, q.data(), scales.data());
  for (int64_t r = 0; r < rows; ++r)
    QuantizeRowReferenceU8(x.data_ptr<float>() + r * dim, dim, kGeluZeroPoint,
                           ref_q.data() + r * dim, ref_scales.data() + r);
  EXPECT_EQ(q, ref_q);
  EXPECT_EQ(scales, ref_scales);
  EXPECT_EQ(scales[2], 0.f);
  auto codes = at::from_blob(q.data(), {rows, dim}, at::kByte).to(at::kDouble);
  auto s = at::from_blob(scales.data(), {rows, 1}).to(at::kDouble);
  auto err = ((codes - kGeluZeroPoint) * s - x.to(at::kDouble)).abs();
  EXPECT_TRUE((err <= s / 2 * (1 + 1e-5) + 1e-12).all().item<bool>()) << "a value was clipped";
  // The positive side uses 223 steps: a finer step than symmetric s8's.
  const Quantized s8 = ReferenceQuantize(x);
  EXPECT_LT(scales[5], s8.scales[5]);

  auto bf16 = x.to(at::kBFloat16).contiguous();
  std::vector<uint16_t> bits(q.size());
  std::memcpy(bits.data(), bf16.data_ptr(), bits.size() * sizeof(uint16_t));
  QuantizeRowsU8Bf16(bits.data(), rows, dim, kGeluZeroPoint, q.data(), scales.data());
  auto widened = bf16.to(at::kFloat).contiguous();
  for (int64_t r = 0; r < rows; ++r)
    QuantizeRowReferenceU8(widened.data_ptr<float>() + r * dim, dim, kGeluZeroPoint,
                           ref_q.data() + r * dim, ref_scales.data() + r);
  EXPECT_EQ(q, ref_q);
  EXPECT_EQ(scales, ref_scales);
}

// A row with NaN and infinite values (a checkpoint's NaN weight, an
// overflowed activation) gets codes of no meaning, but every other row of the
// same call is quantized as if alone, and no code comes from a NaN cast to an
// integer (undefined behaviour: the UBSan build of this test catches it).
TEST(QuantizeKernels, NonFiniteRowLeavesTheOtherRowsAlone) {
  const int64_t rows = 4, dim = 48 + 5;  // vector part and tail
  auto clean = RandomRows(rows, dim, 31);
  auto bad = clean.clone();
  bad[1][3] = NAN;
  bad[1][dim - 2] = NAN;  // in the tail
  bad[1][20] = INFINITY;
  bad[2].fill_(NAN);
  for (const int32_t zero_point : {kSymmetricZeroPoint, kGeluZeroPoint}) {
    std::vector<uint8_t> q_clean(static_cast<size_t>(rows * dim)), q_bad(q_clean.size());
    std::vector<float> s_clean(static_cast<size_t>(rows)), s_bad(s_clean.size());
    QuantizeRowsU8(clean.data_ptr<float>(), rows, dim, zero_point, q_clean.data(), s_clean.data());
    QuantizeRowsU8(bad.data_ptr<float>(), rows, dim, zero_point, q_bad.data(), s_bad.data());
    for (const int64_t r : {0, 3}) {
      for (int64_t i = 0; i < dim; ++i)
        ASSERT_EQ(q_bad[r * dim + i], q_clean[r * dim + i]) << "row " << r << " value " << i;
      EXPECT_EQ(s_bad[r], s_clean[r]) << "row " << r;
    }
    // The references take the same rows one at a time.
    for (int64_t r = 1; r < 3; ++r)
      QuantizeRowReferenceU8(bad.data_ptr<float>() + r * dim, dim, zero_point, q_bad.data(),
                             s_bad.data());
  }
  std::vector<uint8_t> q_clean(static_cast<size_t>(rows * dim)), q_bad(q_clean.size());
  std::vector<float> s_clean(static_cast<size_t>(rows)), s_bad(s_clean.size());
  QuantizeRowsAsU8(clean.data_ptr<float>(), rows, dim, q_clean.data(), s_clean.data());
  QuantizeRowsAsU8(bad.data_ptr<float>(), rows, dim, q_bad.data(), s_bad.data());
  for (const int64_t r : {0, 3})
    for (int64_t i = 0; i < dim; ++i)
      ASSERT_EQ(q_bad[r * dim + i], q_clean[r * dim + i]) << "row " << r << " value " << i;
  std::vector<int8_t> s8(static_cast<size_t>(dim));
  float scale = 0.f;
  for (int64_t r = 1; r < 3; ++r)
    QuantizeRowReference(bad.data_ptr<float>() + r * dim, dim, s8.data(), &scale);
}

// `normed` against LayerNorm in float64 of the same float32 rows, to within
// what float32 arithmetic allows: a few roundings of the mean, carried through
// 1 / std, and of the output itself. A fixed tolerance would be too loose for
// well-spread rows and impossible for a row with a large offset.
void ExpectLayerNormWithinFloatRounding(const at::Tensor& x, const at::Tensor& gamma,
                                        const at::Tensor& beta, const std::vector<float>& normed,
                                        const std::string& where) {
  const int64_t rows = x.size(0), dim = x.size(1);
  auto x64 = x.to(at::kDouble);
  auto mean = x64.mean(/*dim=*/{1}, /*keepdim=*/true);
  auto rstd = 1 / at::sqrt(x64.var(/*dim=*/{1}, /*unbiased=*/false, /*keepdim=*/true) + 1e-6);
  auto expected = (x64 - mean) * rstd * gamma.to(at::kDouble) + beta.to(at::kDouble);
  auto ours = at::from_blob(const_cast<float*>(normed.data()), {rows, dim}).to(at::kDouble);
  const double u = std::ldexp(1.0, -24);  // float32's unit roundoff
  auto bound =
      16 * u *
      ((mean.abs() + (x64 - mean).abs()) * rstd * gamma.abs().to(at::kDouble) + expected.abs());
  auto excess = ((ours - expected).abs() - bound).max().item<double>();
  EXPECT_LE(excess, 0) << where << ": max |error| " << (ours - expected).abs().max().item<double>();
}

TEST(QuantizeKernels, LayerNormQuantizeMatchesLayerNormThenQuantize) {
  for (int64_t dim : {192, 768, 50}) {
    const int64_t rows = 33;
    auto x = RandomRows(rows, dim, 100 + static_cast<uint64_t>(dim)) + 3;
    auto gamma = at::rand({dim}) + 0.5, beta = at::randn({dim}) * 0.1;
    std::vector<float> normed(static_cast<size_t>(rows * dim));
    LayerNorm(x.data_ptr<float>(), rows, dim, gamma.data_ptr<float>(), beta.data_ptr<float>(),
              1e-6f, normed.data(), /*out_bf16=*/false);
    const Quantized ref = ReferenceQuantize(at::from_blob(normed.data(), {rows, dim}));
    std::vector<uint8_t> q(normed.size());
    std::vector<float> scales(static_cast<size_t>(rows));
    LayerNormQuantize(x.data_ptr<float>(), rows, dim, gamma.data_ptr<float>(),
                      beta.data_ptr<float>(), 1e-6f, q.data(), scales.data());
    // The same LayerNorm arithmetic (fast_kernels.h's LayerNormRow), so the
    // same codes and scales.
    EXPECT_EQ(Unshifted(q), ref.q) << "dim " << dim;
    EXPECT_EQ(scales, ref.scales) << "dim " << dim;
    ExpectLayerNormWithinFloatRounding(x, gamma, beta, normed, "dim " + std::to_string(dim));
  }
}

// A row whose mean is large next to its spread (ViT residual streams have such
// tokens): float32 can do no better than its rounding of the mean divided by
// the spread, and a naive sum of the row does much worse (the sum's error
// grows with the row's length).
TEST(FastKernels, LayerNormOfAnOffsetRowIsAccurate) {
  for (int64_t dim : {768, 1024 + 7, 50}) {
    const int64_t rows = 6;
    at::manual_seed(7);
    auto offsets = at::tensor({3.f, -3.f, 1000.f, 40.f, 0.f, 1e4f}).unsqueeze(1);
    auto spreads = at::tensor({3e-3f, 1e-2f, 1e-2f, 1.f, 1e-4f, 0.5f}).unsqueeze(1);
    auto x = (at::randn({rows, dim}) * spreads + offsets).contiguous();
    auto gamma = at::rand({dim}) + 0.5, beta = at::randn({dim}) * 0.1;
    std::vector<float> normed(static_cast<size_t>(rows * dim));
    LayerNorm(x.data_ptr<float>(), rows, dim, gamma.data_ptr<float>(), beta.data_ptr<float>(),
              1e-6f, normed.data(), /*out_bf16=*/false);
    ExpectLayerNormWithinFloatRounding(x, gamma, beta, normed, "dim " + std::to_string(dim));
  }
}

double RelativeError(const at::Tensor& ours, const at::Tensor& ref) {
  return (ours.to(at::kDouble) - ref).norm().item<double>() / ref.norm().item<double>();
}

// y = (q_x * s_x) (q_w * s_w)^T + b in float64, then the epilogue.
at::Tensor ReferenceLinear(const Quantized& x, int64_t rows, const at::Tensor& weight,
                           const at::Tensor& bias, Epilogue epilogue, const at::Tensor& dst0) {
  const Quantized w = ReferenceQuantize(weight);
  auto y = at::matmul(Dequantize(x, rows, weight.size(1)),
                      Dequantize(w, weight.size(0), weight.size(1)).t()) +
           bias.to(at::kDouble);
  if (epilogue == Epilogue::kGelu) y = at::gelu(y);
  if (epilogue == Epilogue::kAccumulate) y = y + dst0.to(at::kDouble);
  return y;
}

struct LinearCase {
  Epilogue epilogue;
  dnnl::memory::data_type dst_dt;
  double tolerance;
};

TEST(Int8Linear, MatchesFloatReferenceOfTheSameQuantization) {
  if (!CpuHasFastInt8()) GTEST_SKIP() << "no VNNI / AMX-INT8 on this CPU (int8 is refused here)";
  using dt = dnnl::memory::data_type;
  const int64_t in = 96, out = 80;
  at::manual_seed(5);
  auto weight = at::randn({out, in}) * (at::rand({out, 1}) + 0.1);
  auto bias = at::randn({out});
  for (const LinearCase& c :
       {LinearCase{Epilogue::kNone, dt::f32, 1e-6}, LinearCase{Epilogue::kGelu, dt::f32, 1e-5},
        LinearCase{Epilogue::kAccumulate, dt::f32, 1e-6},
        LinearCase{Epilogue::kGelu, dt::bf16, 8e-3}}) {
    FastLinear layer(weight, bias, dt::s8, c.dst_dt, c.epilogue, /*hint_rows=*/64);
    EXPECT_EQ(layer.weight_scales(), ReferenceQuantize(weight).scales);
    // How the runner builds its layers: the same codes, shifted into u8.
    FastLinear shifted(weight, bias, dt::u8, c.dst_dt, c.epilogue, /*hint_rows=*/64,
                       kSymmetricZeroPoint);
    // 1100 rows: each thread's share in blocks of at most 128 (fast_linear.cc),
    // each dequantized on its own.
    for (int64_t rows : {1, 7, 64, 1100}) {
      auto x = RandomRows(rows, in, static_cast<uint64_t>(rows));
      Quantized xq{std::vector<int8_t>(static_cast<size_t>(rows * in)),
                   std::vector<float>(static_cast<size_t>(rows))};
      QuantizeRows(x.data_ptr<float>(), rows, in, xq.q.data(), xq.scales.data());
      auto dst0 = at::randn({rows, out});
      at::Tensor dst = c.dst_dt == dt::f32 ? dst0.clone() : at::empty({rows, out}, at::kBFloat16);
      layer.Run(xq.q.data(), dst.data_ptr(), rows, xq.scales.data());
      const auto ref = ReferenceLinear(xq, rows, weight, bias, c.epilogue, dst0);
      const double rel = RelativeError(dst.to(at::kFloat), ref);
      EXPECT_LE(rel, c.tolerance) << "epilogue " << static_cast<int>(c.epilogue) << " rows " << rows
                                  << " dst bf16 " << (c.dst_dt == dt::bf16);
      // Exact integer arithmetic either way: the u8 layer's output is the s8 one's.
      std::vector<uint8_t> q(xq.q.size());
      std::vector<float> scales(xq.scales.size());
      QuantizeRowsAsU8(x.data_ptr<float>(), rows, in, q.data(), scales.data());
      at::Tensor dst_u8 = c.dst_dt == dt::f32 ? dst0.clone() : at::empty_like(dst);
      shifted.Run(q.data(), dst_u8.data_ptr(), rows, scales.data());
      EXPECT_TRUE(at::equal(dst_u8, dst))
          << "epilogue " << static_cast<int>(c.epilogue) << " rows " << rows;
    }
  }
}

TEST(Int8Linear, U8InputWithZeroPointMatchesFloatReference) {
  if (!CpuHasFastInt8()) GTEST_SKIP() << "no VNNI / AMX-INT8 on this CPU (int8 is refused here)";
  using dt = dnnl::memory::data_type;
  const int64_t in = 160, out = 48;
  at::manual_seed(7);
  auto weight = at::randn({out, in});
  auto bias = at::randn({out});
  FastLinear layer(weight, bias, dt::u8, dt::f32, Epilogue::kAccumulate, /*hint_rows=*/16,
                   kGeluZeroPoint);
  for (int64_t rows : {16, 3, 1030}) {  // 1030: several blocks per thread
    auto x = at::gelu(RandomRows(rows, in, 40 + static_cast<uint64_t>(rows)));
    std::vector<uint8_t> q(static_cast<size_t>(rows * in));
    std::vector<float> scales(static_cast<size_t>(rows));
    QuantizeRowsU8(x.data_ptr<float>(), rows, in, kGeluZeroPoint, q.data(), scales.data());
    auto dst0 = at::randn({rows, out});
    auto dst = dst0.clone();
    layer.Run(q.data(), dst.data_ptr<float>(), rows, scales.data());
    auto xq = (at::from_blob(q.data(), {rows, in}, at::kByte).to(at::kDouble) - kGeluZeroPoint) *
              at::from_blob(scales.data(), {rows, 1}).to(at::kDouble);
    const Quantized w = ReferenceQuantize(weight);
    auto ref =
        at::matmul(xq, Dequantize(w, out, in).t()) + bias.to(at::kDouble) + dst0.to(at::kDouble);
    EXPECT_LE(RelativeError(dst, ref), 1e-6) << "rows " << rows;
  }
}

// ViT-B/16's fc1 at batch 1 and 8 (394 and 1576 rows), on two threads: each
// runs its share of the rows, in blocks, with one-thread oneDNN plans and its
// own scratchpad inside one parallel region. Every row must be written once,
// at its place, with its own scales: the output starts as NaN.
TEST(Int8Linear, ViTBaseSizedLayerOnTwoThreadsMatchesFloatReference) {
  if (!CpuHasFastInt8()) GTEST_SKIP() << "no VNNI / AMX-INT8 on this CPU (int8 is refused here)";
  using dt = dnnl::memory::data_type;
  struct Threads {
    int saved = at::get_num_threads();
    Threads() { at::set_num_threads(2); }
    ~Threads() { at::set_num_threads(saved); }
  } threads;
  const int64_t in = 768, out = 3072;
  at::manual_seed(11);
  auto weight = at::randn({out, in}) / std::sqrt(static_cast<double>(in));
  auto bias = at::randn({out});
  FastLinear layer(weight, bias, dt::u8, dt::f32, Epilogue::kNone, /*hint_rows=*/394,
                   kSymmetricZeroPoint);
  const Quantized w = ReferenceQuantize(weight);
  for (int64_t rows : {394, 1576}) {
    auto x = RandomRows(rows, in, 60 + static_cast<uint64_t>(rows));
    std::vector<uint8_t> q(static_cast<size_t>(rows * in));
    std::vector<float> scales(static_cast<size_t>(rows));
    QuantizeRowsAsU8(x.data_ptr<float>(), rows, in, q.data(), scales.data());
    // NaN everywhere first: a row the layer leaves unwritten cannot pass.
    auto dst = at::full({rows, out}, std::nanf(""));
    layer.Run(q.data(), dst.data_ptr<float>(), rows, scales.data());
    const Quantized xq{Unshifted(q), scales};
    auto ref =
        at::matmul(Dequantize(xq, rows, in), Dequantize(w, out, in).t()) + bias.to(at::kDouble);
    EXPECT_FALSE(at::isnan(dst).any().item<bool>()) << "rows " << rows;
    EXPECT_LE(RelativeError(dst, ref), 1e-6) << "rows " << rows;
  }
}

TEST(Int8Linear, CloseToTheUnquantizedLayer) {
  if (!CpuHasFastInt8()) GTEST_SKIP() << "no VNNI / AMX-INT8 on this CPU (int8 is refused here)";
  using dt = dnnl::memory::data_type;
  const int64_t rows = 50, in = 384, out = 192;
  at::manual_seed(9);
  auto weight = at::randn({out, in}) / std::sqrt(static_cast<double>(in));
  auto bias = at::randn({out});
  auto x = at::randn({rows, in});
  FastLinear q8(weight, bias, dt::s8, dt::f32, Epilogue::kNone, rows);
  Quantized xq{std::vector<int8_t>(static_cast<size_t>(rows * in)),
               std::vector<float>(static_cast<size_t>(rows))};
  QuantizeRows(x.data_ptr<float>(), rows, in, xq.q.data(), xq.scales.data());
  auto y = at::empty({rows, out});
  q8.Run(xq.q.data(), y.data_ptr<float>(), rows, xq.scales.data());
  // 8-bit inputs and weights: about 1% error on a Gaussian layer.
  const double rel = RelativeError(y, at::addmm(bias, x, weight.t()).to(at::kDouble));
  EXPECT_LE(rel, 2e-2);
  EXPECT_GE(rel, 1e-4) << "suspiciously exact: is the layer quantized at all?";
}

}  // namespace
}  // namespace vit::fast
