// InferenceEngine's backend choice, apart from fast_path_test.cc: that binary
// only holds tests run once per fixture folder.
#include <gtest/gtest.h>

#include "model/inference_engine.h"

namespace vit {
namespace {

TEST(FastEngine, UnknownBackendIsRejected) {
  EngineOptions options;
  options.backend = "turbo";
  auto engine = InferenceEngine::Load("", options);
  ASSERT_FALSE(engine.ok());
  EXPECT_NE(engine.status().ToString().find("turbo"), std::string::npos);
}

}  // namespace
}  // namespace vit
