#include "training/lr_schedule.h"

#include <gtest/gtest.h>

namespace vit::training {
namespace {

LrScheduleOptions Schedule() {
  LrScheduleOptions o;
  o.base_lr = 1e-3;
  o.min_lr = 1e-5;
  o.warmup_start_lr = 1e-6;
  o.warmup_steps = 10;
  o.total_steps = 110;
  return o;
}

TEST(LrScheduleTest, WarmupIsLinearFromStartToBase) {
  const auto o = Schedule();
  EXPECT_DOUBLE_EQ(LearningRateAt(o, 0), 1e-6);
  EXPECT_NEAR(LearningRateAt(o, 5), 1e-6 + (1e-3 - 1e-6) * 0.5, 1e-12);
  EXPECT_DOUBLE_EQ(LearningRateAt(o, 10), 1e-3);
  for (int s = 1; s <= 10; ++s) EXPECT_GT(LearningRateAt(o, s), LearningRateAt(o, s - 1));
}

TEST(LrScheduleTest, CosineDecaysMonotonicallyToMinAtLastStep) {
  const auto o = Schedule();
  for (int s = 11; s < 110; ++s) EXPECT_LT(LearningRateAt(o, s), LearningRateAt(o, s - 1)) << s;
  EXPECT_DOUBLE_EQ(LearningRateAt(o, 109), 1e-5);
  EXPECT_DOUBLE_EQ(LearningRateAt(o, 500), 1e-5);
  // Half-way through the decay the rate is half-way between base and min.
  EXPECT_NEAR(LearningRateAt(o, 59), (1e-3 + 1e-5) / 2, 2e-5);
}

TEST(LrScheduleTest, NoWarmupStartsAtBase) {
  auto o = Schedule();
  o.warmup_steps = 0;
  EXPECT_DOUBLE_EQ(LearningRateAt(o, 0), 1e-3);
}

}  // namespace
}  // namespace vit::training
