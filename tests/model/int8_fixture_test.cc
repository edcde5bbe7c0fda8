// The int8 precision on every fixture discovered when the test runs
// (tests/support/fixture_test_main.cc): the same top-1 class as fp32 for each
// image and logits within 5e-2 relative of fp32, at two batch sizes, through
// the runner and through InferenceEngine.
#include <gtest/gtest.h>

#include <filesystem>

#include "model/checkpoint_loader.h"
#include "model/engine_common.h"
#include "model/fast/fast_vit_runner.h"
#include "model/inference_engine.h"
#include "model/model_loader.h"
#include "model/safetensors.h"
#include "tests/support/fixture_discovery.h"

namespace vit {
namespace {

namespace fs = std::filesystem;

constexpr double kInt8MaxRelativeError = 5e-2;

struct Input {
  std::string name;
  torch::Tensor tokens;  // [B, N, C*P*P]
  int64_t grid_h = 0, grid_w = 0;
};

// Every input of a fixture (pixel_values and, e.g., pixel_values_80x96) as tokens.
std::vector<Input> Inputs(const std::string& dir) {
  auto model = LoadModelFolder(dir);
  EXPECT_TRUE(model.ok()) << model.status().ToString();
  auto ref = ReadSafetensors(dir + "/reference.safetensors");
  EXPECT_TRUE(ref.ok()) << ref.status().ToString();
  std::vector<Input> inputs;
  if (!model.ok() || !ref.ok()) return inputs;
  torch::InferenceMode guard;
  const int p = model->inferred.vit.patch_size;
  for (const auto& [key, pixels] : *ref) {
    if (key.rfind("pixel_values", 0) != 0) continue;
    Input in;
    in.name = fs::path(dir).filename().string() + key.substr(std::string("pixel_values").size());
    in.tokens = model->net->patch_embed->Patchify(pixels).contiguous();
    in.grid_h = pixels.size(2) / p;
    in.grid_w = pixels.size(3) / p;
    inputs.push_back(std::move(in));
  }
  return inputs;
}

torch::Tensor RunFast(const std::string& dir, const Input& in, fast::Precision precision,
                      int64_t batch, int64_t attention_score_bytes = 0) {
  auto checkpoint = LoadCheckpoint(dir);
  EXPECT_TRUE(checkpoint.ok()) << checkpoint.status().ToString();
  if (!checkpoint.ok()) return {};
  torch::InferenceMode guard;
  fast::FastVitOptions options;
  options.precision = precision;
  options.attention_score_bytes = attention_score_bytes;
  fast::FastVitRunner runner(checkpoint->inferred.vit, std::move(checkpoint->weights), in.grid_h,
                             in.grid_w, options);
  return runner.Run(in.tokens.data_ptr<float>(), batch).logits;
}

void ExpectInt8MatchesFp32(const torch::Tensor& int8, const torch::Tensor& fp32,
                           const std::string& what) {
  ASSERT_EQ(int8.sizes(), fp32.sizes()) << what;
  const double rel = (int8 - fp32).norm().item<double>() / fp32.norm().item<double>();
  std::printf("  %-56s rel %.2e (limit %.0e)\n", what.c_str(), rel, kInt8MaxRelativeError);
  EXPECT_LE(rel, kInt8MaxRelativeError) << what;
  EXPECT_TRUE(torch::equal(int8.argmax(1), fp32.argmax(1))) << what << ": top-1 differs\nint8\n"
                                                            << int8 << "\nfp32\n"
                                                            << fp32;
}

class Int8 : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (!ResolveDtype("int8").ok()) GTEST_SKIP() << "no VNNI / AMX-INT8 on this CPU";
  }
};

TEST_P(Int8, TopOneAndLogitsMatchFp32) {
  const auto inputs = Inputs(GetParam());
  ASSERT_FALSE(inputs.empty());
  for (const auto& in : inputs) {
    for (int64_t batch : {in.tokens.size(0), int64_t{1}}) {
      auto fp32 = RunFast(GetParam(), in, fast::Precision::kFp32, batch);
      auto int8 = RunFast(GetParam(), in, fast::Precision::kInt8, batch);
      ExpectInt8MatchesFp32(int8, fp32, in.name + " int8 batch " + std::to_string(batch));
    }
  }
}

// int8 computes qkv and attention a chunk of images at a time (the score
// budget): a budget of one byte makes every image its own chunk, which must
// give what one chunk for the whole batch gives. Every row is quantized on
// its own and accumulated exactly in s32, so only the float32 attention's
// blocking may differ.
TEST_P(Int8, OneImagePerChunkMatchesOneChunkPerBatch) {
  const auto inputs = Inputs(GetParam());
  ASSERT_FALSE(inputs.empty());
  for (const auto& base : inputs) {
    Input in = base;  // at least 5 images, so that there are several chunks
    const int64_t copies = (5 + in.tokens.size(0) - 1) / in.tokens.size(0);
    in.tokens = torch::cat(std::vector<torch::Tensor>(static_cast<size_t>(copies), in.tokens))
                    .flip({0})
                    .contiguous();
    const int64_t batch = in.tokens.size(0);
    auto checkpoint = LoadCheckpoint(GetParam());
    ASSERT_TRUE(checkpoint.ok()) << checkpoint.status().ToString();
    const VitConfig& c = checkpoint->inferred.vit;
    const int64_t tokens = in.grid_h * in.grid_w + c.num_prefix_tokens();
    const int64_t batch_scores = batch * c.num_heads * tokens * tokens * int64_t{sizeof(float)};
    auto whole = RunFast(GetParam(), in, fast::Precision::kInt8, batch, batch_scores);
    auto chunked = RunFast(GetParam(), in, fast::Precision::kInt8, batch, /*bytes=*/1);
    ASSERT_EQ(whole.sizes(), chunked.sizes());
    const double rel = (chunked - whole).norm().item<double>() / whole.norm().item<double>();
    EXPECT_LE(rel, 1e-5) << in.name << " batch " << batch;
    EXPECT_TRUE(torch::equal(chunked.argmax(1), whole.argmax(1))) << in.name;
  }
}

// A batch splits its images between the threads (each takes whole images
// through qkv and attention, and an equal share of every layer's rows), with
// what is left over in chunks on oneDNN's threads; a single image runs as
// one such chunk. Every row is quantized on its own and accumulated exactly
// in s32, so each image's logits in a batch of 5 equal its logits alone.
TEST_P(Int8, EveryImageOfABatchAsIfAlone) {
  // Two threads whatever the machine has: the split is what is tested.
  struct Threads {
    int saved = at::get_num_threads();
    Threads() { at::set_num_threads(2); }
    ~Threads() { at::set_num_threads(saved); }
  } threads;
  const auto inputs = Inputs(GetParam());
  ASSERT_FALSE(inputs.empty());
  Input in = inputs.front();
  const int64_t copies = (5 + in.tokens.size(0) - 1) / in.tokens.size(0);
  in.tokens = torch::cat(std::vector<torch::Tensor>(static_cast<size_t>(copies), in.tokens))
                  .narrow(0, 0, 5)
                  .flip({0})
                  .contiguous();
  const auto batch = RunFast(GetParam(), in, fast::Precision::kInt8, 5);
  ASSERT_EQ(batch.size(0), 5);
  for (int64_t i = 0; i < 5; ++i) {
    Input one = in;
    one.tokens = in.tokens.narrow(0, i, 1).contiguous();
    const auto alone = RunFast(GetParam(), one, fast::Precision::kInt8, 1);
    const double rel = (batch[i] - alone[0]).norm().item<double>() / alone[0].norm().item<double>();
    EXPECT_LE(rel, 1e-5) << in.name << " image " << i;
  }
}

// Through the public API (what the server calls): ModelInfo says int8.
TEST_P(Int8, EngineMatchesFp32Engine) {
  EngineOptions options;
  options.backend = "fast";
  options.threads = 2;
  options.dtype = "int8";
  auto int8 = InferenceEngine::Load(GetParam(), options);
  options.dtype = "fp32";
  auto fp32 = InferenceEngine::Load(GetParam(), options);
  ASSERT_TRUE(int8.ok()) << int8.status().ToString();
  ASSERT_TRUE(fp32.ok()) << fp32.status().ToString();
  EXPECT_EQ((*int8)->info().dtype, "int8");
  const auto& info = (*fp32)->info();
  const auto inputs = Inputs(GetParam());
  ASSERT_FALSE(inputs.empty());
  const Input& in = inputs.front();  // the checkpoint's own grid
  const int batch = static_cast<int>(in.tokens.size(0));
  auto run = [&](InferenceEngine& engine) {
    auto logits = torch::empty({batch, info.num_classes});
    Status status = engine.Run(in.tokens.data_ptr<float>(), batch, logits.data_ptr<float>(),
                               /*features=*/nullptr);
    EXPECT_TRUE(status.ok()) << status.ToString();
    return logits;
  };
  ExpectInt8MatchesFp32(run(**int8), run(**fp32), in.name + " engine int8");
}

// An empty root registers no test here and fails in main().
INSTANTIATE_TEST_SUITE_P(Fixtures, Int8, ::testing::ValuesIn(testing::DiscoverModelFixtures()),
                         [](const auto& info) { return testing::FixtureTestName(info.param); });

}  // namespace
}  // namespace vit
