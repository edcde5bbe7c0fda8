// How --dtype int8 is accepted or refused: never by auto, only on the fast
// backend, only on a CPU with int8 dot products; and what ModelInfo reports.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include "model/engine_common.h"
#include "model/inference_engine.h"

namespace vit {
namespace {

TEST(Int8Dtype, AutoNeverPicksInt8) {
  auto dtype = ResolveDtype("auto");
  ASSERT_TRUE(dtype.ok()) << dtype.status().ToString();
  EXPECT_NE(*dtype, at::kQInt8);
  EXPECT_NE(DtypeName(*dtype), "int8");
}

TEST(Int8Dtype, ResolvesOnlyWhereTheCpuHasVnniOrAmx) {
  auto dtype = ResolveDtype("int8");
  const Int8Isa isa = DetectInt8Isa();
  if (isa.amx_int8 || isa.avx512_vnni || isa.avx_vnni) {
    ASSERT_TRUE(dtype.ok()) << dtype.status().ToString();
    EXPECT_EQ(DtypeName(*dtype), "int8");
  } else {
    EXPECT_EQ(dtype.status().code(), StatusCode::kFailedPrecondition);
  }
}

TEST(Int8Dtype, CpuWithoutInt8DotProductsIsRefused) {
  const Status none = CheckInt8Support(Int8Isa{});
  EXPECT_EQ(none.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(none.message().find("VNNI"), std::string::npos) << none.ToString();
  EXPECT_NE(none.message().find("bf16"), std::string::npos) << "names the alternatives";
  EXPECT_EQ(Int8IsaName(Int8Isa{}), "none");
  Int8Isa vnni;
  vnni.avx512_vnni = true;
  EXPECT_TRUE(CheckInt8Support(vnni).ok());
  EXPECT_EQ(Int8IsaName(vnni), "avx512_vnni");
  Int8Isa amx = vnni;
  amx.amx_int8 = true;
  EXPECT_EQ(Int8IsaName(amx), "amx_int8");
  Int8Isa avx;
  avx.avx_vnni = true;
  EXPECT_TRUE(CheckInt8Support(avx).ok());
}

TEST(Int8Dtype, ReferenceBackendRefusesInt8) {
  if (!ResolveDtype("int8").ok()) GTEST_SKIP() << "int8 is refused on this CPU before the backend";
  EngineOptions options;
  options.dtype = "int8";
  options.backend = "reference";
  auto engine = InferenceEngine::Load(DefaultModelDir(), options);
  ASSERT_FALSE(engine.ok());
  EXPECT_EQ(engine.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(engine.status().message().find("fast backend"), std::string::npos)
      << engine.status().ToString();
}

TEST(Int8Dtype, FastBackendReportsInt8) {
  if (!ResolveDtype("int8").ok()) GTEST_SKIP() << "no VNNI / AMX-INT8 on this CPU";
  EngineOptions options;
  options.dtype = "int8";
  options.threads = 2;
  auto engine = InferenceEngine::Load(DefaultModelDir(), options);
  ASSERT_TRUE(engine.ok()) << engine.status().ToString();
  EXPECT_EQ((*engine)->info().dtype, "int8");
  EXPECT_EQ((*engine)->info().backend, "fast");
}

}  // namespace
}  // namespace vit
