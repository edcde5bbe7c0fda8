// The soak's request kinds (tools/vit-client/request_mix.h) against the real
// preprocessing library: corrupt payloads never decode, the oversized PNG is
// a real image refused only for its pixel count, and the mix parser.
#include "tools/vit-client/request_mix.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "preprocessing/image_preprocessor.h"

namespace vit::client {
namespace {

Status Preprocess(const std::string& bytes, int64_t max_pixels) {
  preprocessing::PreprocessOptions options;
  options.max_pixels = max_pixels;
  preprocessing::ImagePreprocessor preprocessor(PreprocessSpec(), options);
  std::vector<float> tokens(preprocessor.tokens_size());
  return preprocessor.EncodedToTokens(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(),
                                      tokens.data());
}

TEST(ServerRequestMixTest, CorruptPayloadsNeverDecode) {
  std::mt19937_64 rng(42);
  for (int i = 0; i < 300; ++i) {
    const std::string bytes = MakeCorruptImage(&rng);
    EXPECT_FALSE(Preprocess(bytes, 64'000'000).ok()) << "payload " << i << " decoded";
  }
}

TEST(ServerRequestMixTest, OversizedPngIsARealImageRefusedForItsPixels) {
  StatusOr<std::string> png = MakeOversizedPng(1100);
  ASSERT_TRUE(png.ok()) << png.status().ToString();
  EXPECT_LT(png->size(), size_t{100'000}) << "compresses to almost nothing";
  const Status refused = Preprocess(*png, 1'000'000);
  EXPECT_FALSE(refused.ok());
  EXPECT_NE(refused.message().find("pixels"), std::string::npos) << refused.ToString();
  EXPECT_TRUE(Preprocess(*png, 1'210'000).ok()) << "exactly at the limit it decodes";
  EXPECT_FALSE(MakeOversizedPng(0).ok());
}

TEST(ServerRequestMixTest, ParsesWeightsAndRejectsBadSpecs) {
  StatusOr<RequestMix> mix = ParseRequestMix("valid=6,cancel=2,oversized=0");
  ASSERT_TRUE(mix.ok()) << mix.status().ToString();
  EXPECT_EQ(mix->total, 8);
  EXPECT_TRUE(mix->Has(RequestKind::kCancel));
  EXPECT_FALSE(mix->Has(RequestKind::kOversized));
  std::mt19937_64 rng(7);
  int cancels = 0;
  for (int i = 0; i < 8000; ++i) {
    const RequestKind kind = mix->Pick(&rng);
    ASSERT_TRUE(kind == RequestKind::kValid || kind == RequestKind::kCancel);
    cancels += kind == RequestKind::kCancel;
  }
  EXPECT_NEAR(cancels, 2000, 200);
  for (const char* bad : {"valid", "valid=x", "valid=-1", "bogus=3", "valid=0", ""}) {
    StatusOr<RequestMix> parsed = ParseRequestMix(bad);
    EXPECT_FALSE(parsed.ok()) << bad;
    if (!parsed.ok()) {
      EXPECT_NE(parsed.status().message().find("--mix"), std::string::npos) << bad;
    }
  }
}

TEST(ServerRequestMixTest, ExpectedCodesPerKind) {
  using grpc::StatusCode;
  EXPECT_TRUE(IsExpectedCode(RequestKind::kValid, StatusCode::OK));
  EXPECT_FALSE(IsExpectedCode(RequestKind::kValid, StatusCode::INVALID_ARGUMENT));
  EXPECT_FALSE(IsExpectedCode(RequestKind::kValid, StatusCode::DEADLINE_EXCEEDED));
  EXPECT_TRUE(IsExpectedCode(RequestKind::kCorrupt, StatusCode::INVALID_ARGUMENT));
  EXPECT_FALSE(IsExpectedCode(RequestKind::kCorrupt, StatusCode::OK));
  EXPECT_FALSE(IsExpectedCode(RequestKind::kOversized, StatusCode::INTERNAL));
  EXPECT_TRUE(IsExpectedCode(RequestKind::kTightDeadline, StatusCode::DEADLINE_EXCEEDED));
  EXPECT_TRUE(IsExpectedCode(RequestKind::kCancel, StatusCode::CANCELLED));
  EXPECT_FALSE(IsExpectedCode(RequestKind::kCancel, StatusCode::UNAVAILABLE));
  for (int k = 0; k < kNumRequestKinds; ++k)
    EXPECT_TRUE(IsExpectedCode(static_cast<RequestKind>(k), StatusCode::RESOURCE_EXHAUSTED));
  EXPECT_STREQ(GrpcCodeName(StatusCode::UNAUTHENTICATED), "UNAUTHENTICATED");
}

}  // namespace
}  // namespace vit::client
