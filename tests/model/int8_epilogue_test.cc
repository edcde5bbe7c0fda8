// The int8 layers' epilogue (model/fast/int8_epilogue.h) against a float64
// reference of the same arithmetic, for every output kind, row lengths with
// and without a vector tail; and fc1's fused GELU + u8 quantization through
// FastLinear against a float64 GELU of the same quantized product.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "model/cpu_features.h"
#include "model/fast/fast_linear.h"
#include "model/fast/int8_epilogue.h"
#include "model/fast/quantize_kernels.h"

namespace vit::fast {
namespace {

double GeluReference(double x) { return 0.5 * x * (1.0 + std::erf(x / std::sqrt(2.0))); }

TEST(Int8Epilogue, GeluIsErfGeluToFloatPrecision) {
  std::vector<float> x;
  for (float v = -12.f; v <= 12.f; v += 1.f / 64) x.push_back(v);
  x.push_back(0.f);
  x.push_back(-0.f);
  std::vector<float> y = x;
  GeluErf(y.data(), static_cast<int64_t>(y.size()));
  double worst = 0.0;
  for (size_t i = 0; i < x.size(); ++i) {
    const double ref = GeluReference(x[i]);
    worst = std::max(worst, std::fabs(y[i] - ref) / std::max(1.0, std::fabs(ref)));
  }
  EXPECT_LE(worst, 1e-6);
  // Large negative inputs go to zero, not NaN (exp underflows cleanly).
  std::vector<float> far = {-60.f, -100.f, -1e4f};
  GeluErf(far.data(), 3);
  for (float v : far) EXPECT_EQ(v, 0.f);
}

struct Case {
  int64_t rows, out;
  bool offsets, bias, gelu;
};

// v = (acc - offset) * row_scale * weight_scale + bias, then GELU, in float64.
at::Tensor Reference(const at::Tensor& acc, const at::Tensor& offsets, const at::Tensor& rs,
                     const at::Tensor& ws, const at::Tensor& bias, const Case& c) {
  auto v = acc.to(at::kDouble);
  if (c.offsets) v = v - offsets.to(at::kDouble).reshape({1, -1});
  v = v * rs.to(at::kDouble).reshape({-1, 1}) * ws.to(at::kDouble).reshape({1, -1});
  if (c.bias) v = v + bias.to(at::kDouble).reshape({1, -1});
  if (c.gelu) v = at::gelu(v);
  return v;
}

TEST(Int8Epilogue, EveryOutputMatchesTheFloatReference) {
  for (const Case& c : {Case{5, 48, true, true, false}, Case{3, 37, false, true, true},
                        Case{9, 3072, true, false, true}, Case{1, 7, false, false, false}}) {
    at::manual_seed(c.out);
    const auto acc = at::randint(-40000, 40000, {c.rows, c.out}, at::kInt);
    const auto offsets = at::randint(-3000, 3000, {c.out}, at::kInt);
    const auto rs = at::rand({c.rows}) * 1e-3 + 1e-5;
    const auto ws = at::rand({c.out}) * 1e-2 + 1e-4;
    const auto bias = at::randn({c.out});
    Int8Dequantization d;
    d.row_scales = rs.data_ptr<float>();
    d.weight_scales = ws.data_ptr<float>();
    d.offsets = c.offsets ? offsets.data_ptr<int32_t>() : nullptr;
    d.bias = c.bias ? bias.data_ptr<float>() : nullptr;
    d.gelu = c.gelu;
    const auto ref = Reference(acc, offsets, rs, ws, bias, c);
    const std::string where = "rows " + std::to_string(c.rows) + " out " + std::to_string(c.out);
    const double scale = std::max(1.0, ref.abs().max().item<double>());

    auto f32 = at::empty({c.rows, c.out});
    DequantizeRows(acc.data_ptr<int32_t>(), c.rows, c.out, d, Int8Output::kFloat,
                   f32.data_ptr<float>());
    EXPECT_LE((f32.to(at::kDouble) - ref).abs().max().item<double>(), 2e-6 * scale) << where;

    auto bf16 = at::empty({c.rows, c.out}, at::kBFloat16);
    DequantizeRows(acc.data_ptr<int32_t>(), c.rows, c.out, d, Int8Output::kBf16, bf16.data_ptr());
    // Round to nearest even of the float32 value: exactly LibTorch's conversion.
    EXPECT_TRUE(at::equal(bf16, f32.to(at::kBFloat16))) << where;

    const auto base = at::randn({c.rows, c.out});
    auto sum = base.clone();
    DequantizeRows(acc.data_ptr<int32_t>(), c.rows, c.out, d, Int8Output::kAccumulate,
                   sum.data_ptr<float>());
    EXPECT_LE((sum.to(at::kDouble) - (ref + base.to(at::kDouble))).abs().max().item<double>(),
              2e-6 * scale)
        << where;

    // With the next LayerNorm fused: the same sums, and the codes
    // LayerNormQuantize gives for them.
    const auto gamma = at::rand({c.out}) + 0.5, beta = at::randn({c.out});
    std::vector<uint8_t> norm_codes(static_cast<size_t>(c.rows * c.out)), expect_codes = norm_codes;
    std::vector<float> norm_scales(static_cast<size_t>(c.rows)), expect_scales = norm_scales;
    Int8NextNorm norm;
    norm.gamma = gamma.data_ptr<float>();
    norm.beta = beta.data_ptr<float>();
    norm.eps = 1e-6f;
    norm.codes = norm_codes.data();
    norm.scales = norm_scales.data();
    auto fused = base.clone();
    DequantizeRows(acc.data_ptr<int32_t>(), c.rows, c.out, d, Int8Output::kAccumulate,
                   fused.data_ptr<float>(), 0, nullptr, &norm);
    EXPECT_TRUE(at::equal(fused, sum)) << where;
    LayerNormQuantize(sum.data_ptr<float>(), c.rows, c.out, norm.gamma, norm.beta, norm.eps,
                      expect_codes.data(), expect_scales.data());
    EXPECT_EQ(norm_codes, expect_codes) << where;
    EXPECT_EQ(norm_scales, expect_scales) << where;

    std::vector<uint8_t> q(static_cast<size_t>(c.rows * c.out));
    std::vector<float> qs(static_cast<size_t>(c.rows));
    DequantizeRows(acc.data_ptr<int32_t>(), c.rows, c.out, d, Int8Output::kQuantizeU8, q.data(),
                   kGeluZeroPoint, qs.data());
    // The same codes and scales as quantizing the float32 output afterwards.
    for (int64_t r = 0; r < c.rows; ++r) {
      std::vector<uint8_t> expect(static_cast<size_t>(c.out));
      float expect_scale = 0.f;
      QuantizeRowReferenceU8(f32.data_ptr<float>() + r * c.out, c.out, kGeluZeroPoint,
                             expect.data(), &expect_scale);
      EXPECT_EQ(qs[r], expect_scale) << where << " row " << r;
      EXPECT_EQ(0, std::memcmp(expect.data(), q.data() + r * c.out, expect.size()))
          << where << " row " << r;
    }
  }
}

// A residual layer with the next LayerNorm fused, its codes written over its
// own input (as the runner does): the same as adding, then normalizing.
TEST(Int8Linear, FusedNextNormEqualsNormalizingAfterwards) {
  if (!CpuHasFastInt8()) GTEST_SKIP() << "no VNNI / AMX-INT8 on this CPU (int8 is refused here)";
  using dt = dnnl::memory::data_type;
  const int64_t dim = 96;
  at::manual_seed(12);
  const auto weight = at::randn({dim, dim}) / 8, bias = at::randn({dim});
  const auto gamma = at::rand({dim}) + 0.5, beta = at::randn({dim});
  FastLinear proj(weight, bias, dt::u8, dt::f32, Epilogue::kAccumulate, /*hint_rows=*/8,
                  kSymmetricZeroPoint);
  for (int64_t rows : {5, 1301}) {  // 1301: three chunks
    const auto x = at::randn({rows, dim}), residual = at::randn({rows, dim});
    std::vector<uint8_t> codes(static_cast<size_t>(rows * dim)), expect_codes = codes;
    std::vector<float> scales(static_cast<size_t>(rows)), expect_scales = scales;
    QuantizeRowsAsU8(x.data_ptr<float>(), rows, dim, codes.data(), scales.data());
    auto plain = residual.clone();
    proj.Run(codes.data(), plain.data_ptr<float>(), rows, scales.data());
    LayerNormQuantize(plain.data_ptr<float>(), rows, dim, gamma.data_ptr<float>(),
                      beta.data_ptr<float>(), 1e-6f, expect_codes.data(), expect_scales.data());
    Int8NextNorm norm;
    norm.gamma = gamma.data_ptr<float>();
    norm.beta = beta.data_ptr<float>();
    norm.eps = 1e-6f;
    norm.codes = codes.data();  // in place over the input
    norm.scales = scales.data();
    auto fused = residual.clone();
    proj.Run(codes.data(), fused.data_ptr<float>(), rows, scales.data(), nullptr, &norm);
    EXPECT_TRUE(at::equal(fused, plain)) << "rows " << rows;
    EXPECT_EQ(codes, expect_codes) << "rows " << rows;
    EXPECT_EQ(scales, expect_scales) << "rows " << rows;
  }
}

TEST(Int8Linear, GeluWithU8OutputIsTheNextLayersQuantizedInput) {
  if (!CpuHasFastInt8()) GTEST_SKIP() << "no VNNI / AMX-INT8 on this CPU (int8 is refused here)";
  using dt = dnnl::memory::data_type;
  const int64_t in = 64, out = 200;
  at::manual_seed(11);
  auto weight = at::randn({out, in}) / 8;
  auto bias = at::randn({out});
  FastLinear fc1(weight, bias, dt::s8, dt::u8, Epilogue::kGelu, /*hint_rows=*/8, 0, kGeluZeroPoint);
  FastLinear as_float(weight, bias, dt::s8, dt::f32, Epilogue::kGelu, /*hint_rows=*/8);
  for (int64_t rows : {4, 1301}) {  // 1301: three chunks
    auto x = at::randn({rows, in});
    std::vector<int8_t> xq(static_cast<size_t>(rows * in));
    std::vector<float> xs(static_cast<size_t>(rows));
    QuantizeRows(x.data_ptr<float>(), rows, in, xq.data(), xs.data());
    std::vector<uint8_t> q(static_cast<size_t>(rows * out));
    std::vector<float> qs(static_cast<size_t>(rows));
    fc1.Run(xq.data(), q.data(), rows, xs.data(), qs.data());
    auto y = at::empty({rows, out});
    as_float.Run(xq.data(), y.data_ptr<float>(), rows, xs.data());
    for (int64_t r = 0; r < rows; ++r) {
      std::vector<uint8_t> expect(static_cast<size_t>(out));
      float expect_scale = 0.f;
      QuantizeRowReferenceU8(y.data_ptr<float>() + r * out, out, kGeluZeroPoint, expect.data(),
                             &expect_scale);
      ASSERT_EQ(qs[r], expect_scale) << "rows " << rows << " row " << r;
      ASSERT_EQ(0, std::memcmp(expect.data(), q.data() + r * out, expect.size()))
          << "rows " << rows << " row " << r;
    }
    // And the codes decode to GELU of the layer within half a step.
    auto decoded =
        (at::from_blob(q.data(), {rows, out}, at::kByte).to(at::kFloat) - kGeluZeroPoint) *
        at::from_blob(qs.data(), {rows, 1});
    EXPECT_LE(((decoded - y).abs() / at::from_blob(qs.data(), {rows, 1})).max().item<float>(),
              0.5f + 1e-3f)
        << "rows " << rows;
  }
}

}  // namespace
}  // namespace vit::fast
