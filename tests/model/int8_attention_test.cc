// int8 attention (model/fast/int8_attention.h): each pass's vector kernel
// against its portable loop, the portable loops against float64 references of
// the same quantization, and the whole attention against float64
// softmax(q k^T) v, for every chunking and with its probabilities captured.
#include <ATen/ATen.h>
#include <c10/util/Exception.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <optional>
#include <thread>
#include <vector>

#include "model/fast/int8_attention.h"
#include "model/fast/int8_attention_kernels.h"
#include "model/fast/quantize_kernels.h"

namespace vit::fast {
namespace {

// 197 tokens: the rows have a vector tail (197 = 12 x 16 + 5), as ViT/16's.
constexpr AttentionShape kShape{2, 3, 197, 32};

// The qkv accumulators of a layer whose dequantized values are `y` [rows,
// 3 * dim] to within 1e-3: acc = round(y * 1000) - offsets, with weight
// scales 1e-3, row scales 1 and a bias of 0.25. Unit normal values, q times
// `q_gain` / sqrt(head_dim) (the model folds 1/sqrt(head_dim) into q).
struct QkvLayer {
  at::Tensor y;  // float64, the dequantized values
  std::vector<int32_t> acc, offsets;
  std::vector<float> row_scales, weight_scales, bias;
  Int8Dequantization d;

  QkvLayer(const AttentionShape& s, uint64_t seed, double q_gain = 1.0) {
    at::manual_seed(seed);
    const int64_t rows = s.images * s.tokens, cols = 3 * s.dim();
    at::Tensor raw = at::randn({rows, cols}, at::kDouble);
    raw.narrow(1, 0, s.dim()).mul_(q_gain / std::sqrt(static_cast<double>(s.head_dim)));
    offsets.resize(cols);
    for (int64_t n = 0; n < cols; ++n) offsets[n] = static_cast<int32_t>(n % 7) - 3;
    acc.resize(rows * cols);
    auto r = raw.accessor<double, 2>();
    for (int64_t i = 0; i < rows; ++i)
      for (int64_t n = 0; n < cols; ++n)
        acc[i * cols + n] = static_cast<int32_t>(std::lround(r[i][n] * 1000.0)) + offsets[n];
    row_scales.assign(rows, 1.f);
    weight_scales.assign(cols, 1e-3f);
    bias.assign(cols, 0.25f);
    y = at::empty({rows, cols}, at::kDouble);
    auto v = y.accessor<double, 2>();
    for (int64_t i = 0; i < rows; ++i)
      for (int64_t n = 0; n < cols; ++n)
        v[i][n] = (acc[i * cols + n] - offsets[n]) * double{1e-3f} + 0.25;
    d.row_scales = row_scales.data();
    d.weight_scales = weight_scales.data();
    d.offsets = offsets.data();
    d.bias = bias.data();
  }
};

struct CodeBuffers {
  std::vector<uint8_t> q;
  std::vector<int8_t> k, v;
  std::vector<float> q_scales, k_scales, v_scales;
  std::vector<int32_t> k_offsets;
  explicit CodeBuffers(const AttentionShape& s)
      : q(s.images * s.tokens * s.dim()),
        k(q.size()),
        v(q.size()),
        q_scales(s.images * s.heads * s.tokens),
        k_scales(q_scales.size()),
        v_scales(s.images * s.dim()),
        k_offsets(q_scales.size()) {}
  QkvCodes codes() {
    return {q.data(),        k.data(),         v.data(),       q_scales.data(),
            k_scales.data(), k_offsets.data(), v_scales.data()};
  }
};

TEST(Int8Attention, QkvCodesAreRoundedWithinHalfAStep) {
  const AttentionShape s = kShape;
  QkvLayer layer(s, 1);
  CodeBuffers portable(s), vector(s);
  QuantizeQkvPortable(layer.acc.data(), s, layer.d, portable.codes());
  QuantizeQkv(layer.acc.data(), s, layer.d, vector.codes());
  const auto y = layer.y.accessor<double, 2>();
  const int64_t t = s.tokens, hd = s.head_dim, dim = s.dim();
  for (int64_t b = 0; b < s.images; ++b) {
    for (int64_t h = 0; h < s.heads; ++h) {
      for (int64_t i = 0; i < t; ++i) {
        const int64_t row = (b * s.heads + h) * t + i;
        int32_t k_sum = 0;
        for (int64_t x = 0; x < hd; ++x) {
          const int64_t at = row * hd + x;
          const double yq = y[b * t + i][h * hd + x], yk = y[b * t + i][dim + h * hd + x];
          const double yv = y[b * t + i][2 * dim + h * hd + x];
          const double sq = portable.q_scales[row], sk = portable.k_scales[row];
          const double sv = portable.v_scales[b * dim + h * hd + x];
          ASSERT_LE(std::fabs((portable.q[at] - 128) * sq - yq), 0.5 * sq * (1 + 1e-4) + 1e-6);
          ASSERT_LE(std::fabs(portable.k[at] * sk - yk), 0.5 * sk * (1 + 1e-4) + 1e-6);
          ASSERT_LE(std::fabs(portable.v[at] * sv - yv), 0.5 * sv * (1 + 1e-4) + 1e-6);
          // The vector kernel may round a value on a half step the other way
          // (its multiply-adds are fused).
          ASSERT_LE(std::abs(vector.q[at] - portable.q[at]), 1) << "q " << at;
          ASSERT_LE(std::abs(vector.k[at] - portable.k[at]), 1) << "k " << at;
          ASSERT_LE(std::abs(vector.v[at] - portable.v[at]), 1) << "v " << at;
          k_sum += vector.k[at];
        }
        EXPECT_EQ(vector.k_offsets[row], 128 * k_sum);
        EXPECT_NEAR(vector.q_scales[row], portable.q_scales[row], 1e-6 * portable.q_scales[row]);
        EXPECT_NEAR(vector.k_scales[row], portable.k_scales[row], 1e-6 * portable.k_scales[row]);
      }
    }
  }
  // Each scale is the largest magnitude / 127: per (token, head) for q and
  // k, per (image, channel) for v.
  const double q_max = layer.y.narrow(1, 0, hd)[3].abs().max().item<double>();
  EXPECT_NEAR(portable.q_scales[3], q_max / 127, 1e-6 * q_max);
  const double v_max = layer.y.narrow(0, 0, t).select(1, 2 * dim + 5).abs().max().item<double>();
  EXPECT_NEAR(portable.v_scales[5], v_max / 127, 1e-6 * v_max);
}

// A token whose qkv row is NaN or infinite (its row scale here) gets codes
// of no meaning, but k's zero-point offsets are the sums of the k codes as
// stored, on every row, and the other image's codes are those of a clean run.
// The UBSan build of this test also catches a NaN cast to an integer.
TEST(Int8Attention, NonFiniteTokenLeavesTheOtherImageAlone) {
  const AttentionShape s = kShape;
  QkvLayer layer(s, 3);
  CodeBuffers clean(s);
  QuantizeQkv(layer.acc.data(), s, layer.d, clean.codes());
  layer.row_scales[5] = NAN;
  layer.row_scales[7] = INFINITY;
  const int64_t t = s.tokens, hd = s.head_dim;
  for (const bool vector : {true, false}) {
    CodeBuffers bad(s);
    if (vector) {
      QuantizeQkv(layer.acc.data(), s, layer.d, bad.codes());
    } else {
      QuantizeQkvPortable(layer.acc.data(), s, layer.d, bad.codes());
    }
    for (int64_t row = 0; row < s.images * s.heads * t; ++row) {
      int32_t k_sum = 0;
      for (int64_t x = 0; x < hd; ++x) k_sum += bad.k[row * hd + x];
      ASSERT_EQ(bad.k_offsets[row], 128 * k_sum) << (vector ? "vector" : "portable") << " " << row;
    }
    if (!vector) continue;
    // Image 1 (tokens t.., heads s.heads..) is untouched by image 0's rows.
    const size_t image1 = static_cast<size_t>(s.heads * t * hd);
    for (size_t i = image1; i < bad.q.size(); ++i) {
      ASSERT_EQ(bad.q[i], clean.q[i]) << i;
      ASSERT_EQ(bad.k[i], clean.k[i]) << i;
      ASSERT_EQ(bad.v[i], clean.v[i]) << i;
    }
    for (size_t i = static_cast<size_t>(s.heads * t); i < bad.q_scales.size(); ++i) {
      ASSERT_EQ(bad.q_scales[i], clean.q_scales[i]) << i;
      ASSERT_EQ(bad.k_offsets[i], clean.k_offsets[i]) << i;
    }
  }
}

// Raw scores as Q K^T of the codes would give them.
std::vector<int32_t> RawScores(const AttentionShape& s, const CodeBuffers& c) {
  const int64_t t = s.tokens, hd = s.head_dim;
  std::vector<int32_t> raw(s.images * s.heads * t * t);
  for (int64_t bh = 0; bh < s.images * s.heads; ++bh)
    for (int64_t i = 0; i < t; ++i)
      for (int64_t j = 0; j < t; ++j) {
        int32_t sum = 0;
        for (int64_t x = 0; x < hd; ++x)
          sum += int32_t{c.q[(bh * t + i) * hd + x]} * c.k[(bh * t + j) * hd + x];
        raw[(bh * t + i) * t + j] = sum;
      }
  return raw;
}

TEST(Int8Attention, SoftmaxCodesAreTheDequantizedScoresSoftmax) {
  const AttentionShape s = kShape;
  // q scaled up: peaked rows, whose small probabilities round to few codes.
  QkvLayer layer(s, 2, 3.0);
  CodeBuffers c(s);
  QuantizeQkvPortable(layer.acc.data(), s, layer.d, c.codes());
  const std::vector<int32_t> raw = RawScores(s, c);
  const int64_t t = s.tokens, rows = s.images * s.heads * t;
  std::vector<uint8_t> portable(raw.size()), vector(raw.size());
  std::vector<float> portable_scales(rows), vector_scales(rows);
  SoftmaxToU8Portable(raw.data(), s, c.codes(), portable.data(), portable_scales.data());
  SoftmaxToU8(raw.data(), s, c.codes(), vector.data(), vector_scales.data());
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t bh = r / t;
    // The scores the codes stand for, in float64, and their softmax.
    std::vector<double> x(t), p(t);
    double m = -INFINITY, sum = 0;
    for (int64_t j = 0; j < t; ++j) {
      x[j] = static_cast<double>(int64_t{raw[r * t + j]} - c.k_offsets[bh * t + j]) *
             double{c.q_scales[r]} * c.k_scales[bh * t + j];
      m = std::max(m, x[j]);
    }
    for (int64_t j = 0; j < t; ++j) sum += (p[j] = std::exp(x[j] - m));
    int64_t code_sum = 0, largest = 0;
    for (int64_t j = 0; j < t; ++j) {
      code_sum += portable[r * t + j];
      largest = std::max<int64_t>(largest, portable[r * t + j]);
    }
    // Each code is 255 exp(x - max) rounded (within half a code) and the
    // step is 1 / the codes' sum, which is off 255 sum(exp) by `drift`: so
    // |code / code_sum - p| <= (0.5 + p drift) / code_sum.
    const double drift = std::fabs(255.0 * sum - static_cast<double>(code_sum));
    for (int64_t j = 0; j < t; ++j) {
      p[j] /= sum;
      ASSERT_LE(std::fabs(portable[r * t + j] * double{portable_scales[r]} - p[j]),
                (0.5 + p[j] * drift) / static_cast<double>(code_sum) + 1e-6)
          << "row " << r << " column " << j;
      ASSERT_LE(std::abs(vector[r * t + j] - portable[r * t + j]), 1);
    }
    ASSERT_EQ(largest, 255) << "row " << r;
    EXPECT_FLOAT_EQ(portable_scales[r], 1.f / static_cast<float>(code_sum));
    EXPECT_NEAR(vector_scales[r], portable_scales[r], 1e-2 * portable_scales[r]);
  }
}

TEST(Int8Attention, OutputRowsAreQuantizedForTheProjection) {
  const AttentionShape s = kShape;
  at::manual_seed(3);
  const int64_t rows = s.images * s.tokens, dim = s.dim(), t = s.tokens;
  const at::Tensor acc_t = at::randint(-200000, 200000, {rows, dim}, at::kInt);
  std::vector<int32_t> acc(acc_t.data_ptr<int32_t>(), acc_t.data_ptr<int32_t>() + rows * dim);
  std::vector<float> prob_scales(s.images * s.heads * t), v_scales(s.images * dim);
  for (size_t i = 0; i < prob_scales.size(); ++i) prob_scales[i] = 1e-3f * (1 + i % 5);
  for (size_t i = 0; i < v_scales.size(); ++i) v_scales[i] = 1e-2f / (1 + i % 3);
  std::vector<uint8_t> portable(rows * dim), vector(rows * dim);
  std::vector<float> portable_scales(rows), vector_scales(rows);
  AttentionOutputToU8Portable(acc.data(), s, prob_scales.data(), v_scales.data(), portable.data(),
                              portable_scales.data());
  AttentionOutputToU8(acc.data(), s, prob_scales.data(), v_scales.data(), vector.data(),
                      vector_scales.data());
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t b = r / t, i = r % t;
    const double step = portable_scales[r];
    for (int64_t ch = 0; ch < dim; ++ch) {
      const double o = acc[r * dim + ch] *
                       double{prob_scales[(b * s.heads + ch / s.head_dim) * t + i]} *
                       v_scales[b * dim + ch];
      ASSERT_LE(std::fabs((portable[r * dim + ch] - kSymmetricZeroPoint) * step - o),
                0.5 * step * (1 + 1e-4) + 1e-6 * std::fabs(o))
          << "row " << r << " channel " << ch;
      ASSERT_LE(std::abs(vector[r * dim + ch] - portable[r * dim + ch]), 1);
    }
    EXPECT_NEAR(vector_scales[r], portable_scales[r], 1e-6 * portable_scales[r]);
  }
}

// softmax(q k^T) v in float64 from the dequantized qkv: [images, tokens, dim],
// and the probabilities [images, heads, tokens, tokens].
std::pair<at::Tensor, at::Tensor> Reference(const QkvLayer& layer, const AttentionShape& s) {
  auto x = layer.y.reshape({s.images, s.tokens, 3, s.heads, s.head_dim}).permute({2, 0, 3, 1, 4});
  auto probs = at::softmax(at::matmul(x[0], x[1].transpose(-2, -1)), -1);
  auto out = at::matmul(probs, x[2]).permute({0, 2, 1, 3}).reshape({s.images, s.tokens, s.dim()});
  return {out, probs};
}

struct Int8Output {
  at::Tensor values;  // dequantized [images, tokens, dim]
  std::vector<uint8_t> codes;
  std::vector<float> scales;
};

Int8Output RunInt8(const QkvLayer& layer, const AttentionShape& s, int64_t score_bytes,
                   const AttentionSink* sink = nullptr) {
  Int8Attention attention(s.heads, s.head_dim, s.tokens, score_bytes);
  const int64_t rows = s.images * s.tokens, dim = s.dim();
  Int8Output out{at::empty({rows, dim}, at::kDouble), std::vector<uint8_t>(rows * dim),
                 std::vector<float>(rows)};
  const int64_t chunk = attention.images_per_chunk();
  for (int64_t first = 0; first < s.images; first += chunk) {
    const int64_t images = std::min(chunk, s.images - first), row0 = first * s.tokens;
    Int8Dequantization d = layer.d;
    d.row_scales += row0;
    AttentionSink shifted;
    if (sink != nullptr)
      shifted = {sink->fusion + first, sink->dst + first * sink->image_stride, sink->image_stride};
    attention.Run(layer.acc.data() + row0 * 3 * dim, d, images, out.codes.data() + row0 * dim,
                  out.scales.data() + row0, sink == nullptr ? nullptr : &shifted);
  }
  auto v = out.values.accessor<double, 2>();
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t ch = 0; ch < dim; ++ch)
      v[r][ch] = (out.codes[r * dim + ch] - kSymmetricZeroPoint) * double{out.scales[r]};
  out.values = out.values.reshape({s.images, s.tokens, dim});
  return out;
}

TEST(Int8Attention, EveryChunkingMatchesTheFloatReference) {
  const AttentionShape s{5, 3, 197, 32};
  QkvLayer layer(s, 4);
  const auto [expected, probs] = Reference(layer, s);
  const int64_t per_image = s.heads * s.tokens * s.tokens * int64_t{sizeof(int32_t)};
  const Int8Output whole = RunInt8(layer, s, 8 * per_image);
  // 8-bit q, k, v, probabilities and output: measured here 1.3% mean
  // error of the mean magnitude and 5.6% of the largest output at worst (a
  // peaked row, where the scores' rounding moves exp the most). A wrong
  // layout or scale would be off by the outputs' own size.
  const at::Tensor error = (whole.values - expected).abs();
  EXPECT_LT(error.mean().item<double>(), 2.5e-2 * expected.abs().mean().item<double>());
  EXPECT_LT(error.max().item<double>(), 8e-2 * expected.abs().max().item<double>());
  // One image per call; 2 + 2 + 1: every image's codes are its own, so the
  // results are identical.
  for (int64_t score_bytes : {int64_t{1}, 2 * per_image}) {
    const Int8Output chunked = RunInt8(layer, s, score_bytes);
    EXPECT_EQ(chunked.codes, whole.codes) << "score budget " << score_bytes;
    EXPECT_EQ(chunked.scales, whole.scales) << "score budget " << score_bytes;
  }
}

// RunOnThread: one image per call in a workspace per thread, two threads at
// once (the runner's parallel region): every image's codes are its own and
// its products exact in s32, so the output equals Run()'s, bit for bit, and
// each thread's captured probabilities land at its own images.
TEST(Int8Attention, OneImagePerThreadMatchesRun) {
  const AttentionShape s{4, 3, 197, 32};
  QkvLayer layer(s, 6);
  const int64_t per_image = s.heads * s.tokens * s.tokens * int64_t{sizeof(int32_t)};
  const int64_t tt = s.tokens * s.tokens;
  std::vector<std::optional<HeadFusion>> fusion(s.images, HeadFusion::kMean);
  std::vector<float> whole_captured(s.images * tt), captured(s.images * tt, -1.f);
  const AttentionSink whole_sink{fusion.data(), whole_captured.data(), tt};
  const Int8Output whole = RunInt8(layer, s, 8 * per_image, &whole_sink);

  Int8Attention attention(s.heads, s.head_dim, s.tokens, 8 * per_image);
  constexpr int kThreads = 2;
  attention.PrepareOnThreads(kThreads);
  const int64_t rows = s.images * s.tokens, dim = s.dim();
  std::vector<uint8_t> codes(rows * dim);
  std::vector<float> scales(rows);
  auto run_images = [&](int thread) {
    for (int64_t image = thread; image < s.images; image += kThreads) {
      const int64_t row0 = image * s.tokens;
      Int8Dequantization d = layer.d;
      d.row_scales += row0;
      const AttentionSink sink{fusion.data() + image, captured.data() + image * tt, tt};
      attention.RunOnThread(thread, layer.acc.data() + row0 * 3 * dim, d, codes.data() + row0 * dim,
                            scales.data() + row0, &sink);
    }
  };
  std::thread other(run_images, 1);
  run_images(0);
  other.join();
  EXPECT_EQ(codes, whole.codes);
  EXPECT_EQ(scales, whole.scales);
  EXPECT_EQ(captured, whole_captured);
}

TEST(Int8Attention, RunOnThreadNeedsPrepareOnThreads) {
  const AttentionShape s{1, 3, 21, 16};
  QkvLayer layer(s, 7);
  Int8Attention attention(s.heads, s.head_dim, s.tokens, 1);
  std::vector<uint8_t> codes(s.tokens * s.dim());
  std::vector<float> scales(s.tokens);
  EXPECT_THROW(attention.RunOnThread(0, layer.acc.data(), layer.d, codes.data(), scales.data()),
               c10::Error);
}

TEST(Int8Attention, CapturedProbabilitiesAreTheQuantizedOnes) {
  const AttentionShape s{3, 3, 21, 16};
  QkvLayer layer(s, 5);
  const auto [expected, probs] = Reference(layer, s);
  const int64_t tt = s.tokens * s.tokens;
  std::vector<std::optional<HeadFusion>> fusion = {HeadFusion::kMean, std::nullopt,
                                                   HeadFusion::kMax};
  std::vector<float> captured(s.images * tt, -1.f);
  const AttentionSink sink{fusion.data(), captured.data(), tt};
  RunInt8(layer, s, /*score_bytes=*/1, &sink);  // one image per call: the sink shifts
  const at::Tensor got =
      at::from_blob(captured.data(), {s.images, s.tokens, s.tokens}).to(at::kDouble);
  EXPECT_LT((got[0] - probs[0].mean(0)).abs().max().item<double>(), 2e-2);
  EXPECT_LT((got[2] - std::get<0>(probs[2].max(0))).abs().max().item<double>(), 2e-2);
  EXPECT_EQ(got[1].max().item<double>(), -1.0);  // not asked: untouched
  // Each captured row of the mean sums to 1 up to float rounding.
  EXPECT_LT((got[0].sum(-1) - 1.0).abs().max().item<double>(), 1e-5);
}

}  // namespace
}  // namespace vit::fast
