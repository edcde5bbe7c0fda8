#include "training/augment.h"

#include <gtest/gtest.h>
#include <torch/types.h>

namespace vit::training {
namespace {

torch::Tensor Ramp(int b, int h, int w) {
  return torch::arange(b * h * w, torch::kInt64)
      .remainder(251)
      .add(1)
      .to(torch::kUInt8)
      .reshape({b, h, w});
}

TEST(AugmentTest, SameSeedSameImagesOtherSeedOtherImages) {
  const AugmentOptions options;  // crop pad 2, flip 0.5, erase 0.25
  auto a = Ramp(16, 28, 28).clone(), b = a.clone(), c = a.clone();
  std::mt19937 rng_a(42), rng_b(42), rng_c(43);
  AugmentBatch(a, options, rng_a);
  AugmentBatch(b, options, rng_b);
  AugmentBatch(c, options, rng_c);
  EXPECT_TRUE(torch::equal(a, b));
  EXPECT_FALSE(torch::equal(a, c));
  EXPECT_FALSE(torch::equal(a, Ramp(16, 28, 28)));
}

TEST(AugmentTest, DisabledOptionsLeaveImagesUnchanged) {
  AugmentOptions options;
  options.crop_padding = 0;
  options.hflip_prob = 0.0;
  options.erase_prob = 0.0;
  auto images = Ramp(4, 8, 8);
  std::mt19937 rng(1);
  AugmentBatch(images, options, rng);
  EXPECT_TRUE(torch::equal(images, Ramp(4, 8, 8)));
}

TEST(AugmentTest, FlipReversesEveryRow) {
  AugmentOptions options;
  options.crop_padding = 0;
  options.hflip_prob = 1.0;
  options.erase_prob = 0.0;
  auto images = Ramp(2, 5, 7);
  std::mt19937 rng(1);
  AugmentBatch(images, options, rng);
  EXPECT_TRUE(torch::equal(images, Ramp(2, 5, 7).flip({2})));
}

TEST(AugmentTest, CropShiftsWithinPaddingAndFillsWithZero) {
  AugmentOptions options;
  options.crop_padding = 3;
  options.hflip_prob = 0.0;
  options.erase_prob = 0.0;
  auto images = torch::full({64, 10, 10}, 200, torch::kUInt8);
  std::mt19937 rng(5);
  AugmentBatch(images, options, rng);
  bool any_shift = false;
  for (int i = 0; i < 64; ++i) {
    const auto kept = images[i].gt(0).sum().item<int64_t>();
    EXPECT_GE(kept, 7 * 7);  // at most 3 rows and 3 columns shifted out
    any_shift |= kept < 100;
  }
  EXPECT_TRUE(any_shift);
  EXPECT_TRUE(images.eq(0).logical_or(images.eq(200)).all().item<bool>());
}

TEST(AugmentTest, EraseZeroesOneRectangleWithinTheAreaRange) {
  AugmentOptions options;
  options.crop_padding = 0;
  options.hflip_prob = 0.0;
  options.erase_prob = 1.0;
  auto images = torch::full({32, 28, 28}, 255, torch::kUInt8);
  std::mt19937 rng(9);
  AugmentBatch(images, options, rng);
  for (int i = 0; i < 32; ++i) {
    const double erased = images[i].eq(0).sum().item<int64_t>() / (28.0 * 28.0);
    EXPECT_GT(erased, 0.0);
    EXPECT_LT(erased, 0.35);
  }
}

TEST(AugmentTest, NormalizeAddsChannelAndStandardizes) {
  auto images = torch::tensor({0, 255}, torch::kUInt8).reshape({1, 1, 2});
  auto out = NormalizeBatch(images, 0.5f, 0.25f);
  EXPECT_EQ(out.sizes(), (std::vector<int64_t>{1, 1, 1, 2}));
  EXPECT_FLOAT_EQ(out[0][0][0][0].item<float>(), -2.0f);
  EXPECT_FLOAT_EQ(out[0][0][0][1].item<float>(), 2.0f);
}

}  // namespace
}  // namespace vit::training
