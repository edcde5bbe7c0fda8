// The small shared helpers of common/: VIT_ASSIGN_OR_RETURN, file and token
// reading, durations, top-k softmax.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <string>

#include "common/duration.h"
#include "common/file_util.h"
#include "common/status.h"
#include "common/top_k.h"

namespace vit {
namespace {

StatusOr<int> Half(int value) {
  if (value % 2 != 0) return InvalidArgumentError(std::to_string(value) + " is odd");
  return value / 2;
}

StatusOr<int> Quarter(int value) {
  VIT_ASSIGN_OR_RETURN(const int half, Half(value));
  VIT_ASSIGN_OR_RETURN(int quarter, Half(half));
  return quarter;
}

TEST(AssignOrReturnTest, AssignsValuesAndReturnsTheFirstError) {
  EXPECT_EQ(*Quarter(12), 3);
  EXPECT_EQ(Quarter(6).status().message(), "3 is odd");
  EXPECT_EQ(Quarter(5).status().code(), StatusCode::kInvalidArgument);
}

TEST(FormatDurationTest, HoursMinutesSeconds) {
  EXPECT_EQ(FormatDuration(0), "0:00:00");
  EXPECT_EQ(FormatDuration(4.4), "0:00:04");
  EXPECT_EQ(FormatDuration(3723), "1:02:03");
  EXPECT_EQ(FormatDuration(-1), "?");
  EXPECT_EQ(FormatDuration(1.0 / 0.0), "?");
}

TEST(TopKSoftmaxTest, BestFirstTiesByIndexProbabilitiesSumToOne) {
  const float logits[] = {1.0f, 3.0f, 3.0f, -2.0f};
  const auto all = TopKSoftmax(logits, 4, 4);
  ASSERT_EQ(all.size(), 4u);
  EXPECT_EQ(all[0].class_index, 1);
  EXPECT_EQ(all[1].class_index, 2);
  EXPECT_EQ(all[2].class_index, 0);
  EXPECT_EQ(all[3].class_index, 3);
  double sum = 0;
  for (const auto& s : all) sum += s.probability;
  EXPECT_NEAR(sum, 1.0, 1e-6);
  EXPECT_NEAR(all[0].probability,
              std::exp(3.0) / (std::exp(1.0) + 2 * std::exp(3.0) + std::exp(-2.0)), 1e-6);
  EXPECT_EQ(TopKSoftmax(logits, 4, 99).size(), 4u);
  EXPECT_TRUE(TopKSoftmax(logits, 4, 0).empty());
}

class TokenFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/vit-token-XXXXXX";
    const int fd = mkstemp(pattern);
    ASSERT_GE(fd, 0);
    close(fd);
    path_ = pattern;
    unsetenv(kAuthTokenEnv);
  }
  void TearDown() override {
    std::remove(path_.c_str());
    unsetenv(kAuthTokenEnv);
  }
  void Write(const std::string& text) { std::ofstream(path_, std::ios::binary) << text; }
  std::string path_;
};

TEST_F(TokenFileTest, FileIsTrimmedAndWinsOverTheEnvironment) {
  Write("  s3cret\n");
  setenv(kAuthTokenEnv, "other", 1);
  EXPECT_EQ(*LoadBearerToken(path_, "--token-file"), "s3cret");
  EXPECT_EQ(*ReadFileToString(path_), "  s3cret\n");
}

TEST_F(TokenFileTest, EnvironmentWhenNoFileNoneWhenNeither) {
  EXPECT_EQ(*LoadBearerToken("", "--token-file"), "");
  setenv(kAuthTokenEnv, " from-env ", 1);
  EXPECT_EQ(*LoadBearerToken("", "--token-file"), "from-env");
}

TEST_F(TokenFileTest, ErrorsNameTheFlagAndTheFile) {
  Write("\n \n");
  const Status empty = LoadBearerToken(path_, "--auth-token-file").status();
  EXPECT_EQ(empty.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(empty.message(), "--auth-token-file " + path_ + " holds no token");
  const Status missing = LoadBearerToken("/nonexistent/token", "--token-file").status();
  EXPECT_EQ(missing.message(), "--token-file: cannot read /nonexistent/token");
  Write("two words");
  EXPECT_NE(LoadBearerToken(path_, "--token-file").status().message().find("printable ASCII"),
            std::string::npos);
  EXPECT_EQ(ReadFileToString("/nonexistent/file").status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace vit
