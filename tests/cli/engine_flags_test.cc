// The shared engine and image-limit flags: names, environment variables,
// defaults taken from the Options structs, and VIT_ENGINE as an older name of
// VIT_BACKEND.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <CLI/CLI.hpp>
#include <vector>

#include "cli/engine_flags.h"

namespace vit::cli {
namespace {

class EngineFlagsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* name : {"VIT_BACKEND", "VIT_ENGINE", "VIT_DTYPE", "VIT_THREADS"})
      unsetenv(name);
  }
  void TearDown() override { SetUp(); }

  // Parses `args` into fresh options; false on a usage error.
  bool Parse(std::vector<std::string> args, EngineOptions* engine,
             preprocessing::PreprocessOptions* preprocess) {
    CLI::App app;
    AddEngineFlags(&app, engine);
    AddImageLimitFlags(&app, preprocess);
    std::vector<std::string> reversed(args.rbegin(), args.rend());  // CLI11 wants them reversed
    try {
      app.parse(reversed);
    } catch (const CLI::ParseError&) {
      return false;
    }
    return true;
  }
};

TEST_F(EngineFlagsTest, DefaultsAreTheOptionsStructs) {
  EngineOptions engine;
  preprocessing::PreprocessOptions preprocess;
  ASSERT_TRUE(Parse({}, &engine, &preprocess));
  EXPECT_EQ(engine.backend, EngineOptions().backend);
  EXPECT_EQ(engine.dtype, EngineOptions().dtype);
  EXPECT_EQ(preprocess.max_image_bytes, preprocessing::PreprocessOptions().max_image_bytes);
}

TEST_F(EngineFlagsTest, FlagsSetTheFields) {
  EngineOptions engine;
  preprocessing::PreprocessOptions preprocess;
  ASSERT_TRUE(Parse({"--backend", "reference", "--dtype", "fp32", "--threads", "3",
                     "--max-image-bytes", "1000", "--max-pixels", "99"},
                    &engine, &preprocess));
  EXPECT_EQ(engine.backend, "reference");
  EXPECT_EQ(engine.dtype, "fp32");
  EXPECT_EQ(engine.threads, 3);
  EXPECT_EQ(preprocess.max_image_bytes, 1000u);
  EXPECT_EQ(preprocess.max_pixels, 99);
}

TEST_F(EngineFlagsTest, UnknownBackendIsAUsageError) {
  EngineOptions engine;
  preprocessing::PreprocessOptions preprocess;
  EXPECT_FALSE(Parse({"--backend", "turbo"}, &engine, &preprocess));
}

TEST_F(EngineFlagsTest, BackendFromEnvironmentWithTheOlderNameAsFallback) {
  {
    setenv("VIT_ENGINE", "reference", 1);
    EngineOptions engine;
    preprocessing::PreprocessOptions preprocess;
    ASSERT_TRUE(Parse({}, &engine, &preprocess));
    EXPECT_EQ(engine.backend, "reference");
  }
  {
    setenv("VIT_BACKEND", "fast", 1);  // the current name wins
    EngineOptions engine;
    preprocessing::PreprocessOptions preprocess;
    ASSERT_TRUE(Parse({}, &engine, &preprocess));
    EXPECT_EQ(engine.backend, "fast");
  }
}

}  // namespace
}  // namespace vit::cli
