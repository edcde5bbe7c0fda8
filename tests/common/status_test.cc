#include "common/status.h"

#include <gtest/gtest.h>

#include "common/preprocess_spec.h"

namespace vit {
namespace {

StatusOr<int> ParsePositive(int x) {
  if (x <= 0) return InvalidArgumentError("not positive: " + std::to_string(x));
  return x;
}

Status Chain(int x) {
  VIT_RETURN_IF_ERROR(ParsePositive(x).status());
  return Status::Ok();
}

TEST(StatusTest, CarriesValueOrError) {
  auto good = ParsePositive(3);
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(*good, 3);
  auto bad = ParsePositive(-1);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(bad.status().ToString(), "INVALID_ARGUMENT: not positive: -1");
}

TEST(StatusTest, ReturnIfErrorPropagates) {
  EXPECT_TRUE(Chain(1).ok());
  EXPECT_EQ(Chain(0).code(), StatusCode::kInvalidArgument);
}

TEST(PreprocessSpecTest, DerivedSizes) {
  PreprocessSpec spec;
  spec.input_height = 80;
  spec.input_width = 96;
  spec.patch_size = 16;
  EXPECT_EQ(spec.num_patches(), 5 * 6);
  EXPECT_EQ(spec.token_dim(), 3 * 16 * 16);
  EXPECT_NE(spec.ToString().find("80x96"), std::string::npos);
}

}  // namespace
}  // namespace vit
