// The model manager over fake models on a repository in a temp folder:
// reload under load (every answer from exactly one version), a corrupt new
// version keeps the old one, concurrent loads load once, unload, the memory
// budget, the control flag and the default model. No gRPC, no LibTorch: runs
// under ThreadSanitizer.
#include "server/model_manager.h"

#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "tests/server/fake_model.h"
#include "tests/support/files.h"
#include "tests/support/temp_folder.h"

namespace vit::server {
namespace {

using testing::FakeBackend;
using testing::FakeModelInfo;
using testing::FakePreprocessor;
using vit::testing::ReadFile;
using vit::testing::TempFolder;
using vit::testing::WriteFile;

// The fake model, whose features all equal `tag` (the version it was loaded
// from), so that every answer says which version computed it.
class TaggedBackend final : public ModelBackend {
 public:
  explicit TaggedBackend(float tag) : tag_(tag) {}
  const ModelInfo& info() const override { return info_; }
  Status Run(const float* tokens, int batch, float* logits, float* features) override {
    Status status = inner_.Run(tokens, batch, logits, features);
    for (int i = 0; features != nullptr && i < batch * info_.feature_dim; ++i) features[i] = tag_;
    return status;
  }
  Status RunWithAttention(const float* tokens, int batch, float* logits, float* features,
                          const AttentionCapture& capture) override {
    return inner_.RunWithAttention(tokens, batch, logits, features, capture);
  }

 private:
  const ModelInfo info_ = FakeModelInfo();
  const float tag_;
  FakeBackend inner_;
};

// Loads model.safetensors' text: "tag N" gives a TaggedBackend(N), anything
// else fails as corrupt. Counts loads; can hold them until released.
class FakeLoader final : public ModelLoader {
 public:
  StatusOr<LoadedModel> Load(const ModelLoadSpec& spec) override {
    {
      std::unique_lock<std::mutex> lock(mu_);
      ++loads_;
      cv_.notify_all();
      cv_.wait(lock, [this] { return !hold_; });
    }
    const std::string text = ReadFile(spec.path + "/model.safetensors");
    if (text.compare(0, 4, "tag ") != 0)
      return DataLossError(spec.path + "/model.safetensors: corrupt weights (fake loader)");
    LoadedModel loaded;
    loaded.backend = std::make_unique<TaggedBackend>(std::stof(text.substr(4)));
    loaded.preprocessor = std::make_unique<FakePreprocessor>();
    return loaded;
  }
  int loads() {
    std::lock_guard<std::mutex> lock(mu_);
    return loads_;
  }
  void Hold(bool hold) {
    std::lock_guard<std::mutex> lock(mu_);
    hold_ = hold;
    cv_.notify_all();
  }
  bool WaitForLoads(int n) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(10), [&] { return loads_ >= n; });
  }

 private:
  std::mutex mu_;  // guards loads_ and hold_
  std::condition_variable cv_;
  int loads_ = 0;
  bool hold_ = false;
};

void WriteVersion(const TempFolder& repo, const std::string& model, int version,
                  const std::string& weights) {
  const std::string folder = repo / (model + "/" + std::to_string(version));
  ASSERT_TRUE(WriteFile(folder + "/config.json", "{}"));
  ASSERT_TRUE(WriteFile(folder + "/model.safetensors", weights));
}

ModelManagerOptions Options(const TempFolder& repo) {
  ModelManagerOptions options;
  options.repository = repo.path();
  options.allow_model_control = true;
  options.pipeline.batching.max_batch_size = 4;
  options.pipeline.batching.max_queue_delay_microseconds = 200;
  options.pipeline.batching.max_queue_size = 0;
  options.pipeline.preprocess_threads = 2;
  options.pipeline.warmup_batches = 1;
  return options;
}

// Submits "class:1" to `name`'s served version; answers with the version
// the request was given and the version tag its result carries.
struct Outcome {
  Status status;
  int64_t submitted_version = 0;
  float result_tag = -1;
};

void SubmitTo(ModelManager* manager, const std::string& name,
              std::function<void(const Outcome&)> done) {
  ModelHandle model = manager->Find(name);
  if (model == nullptr) {
    done(Outcome{manager->NotServedError(name)});
    return;
  }
  InferenceRequest request;
  request.owned_image = "class:1";
  request.want_features = true;
  const int64_t version = model->version();
  model->pipeline()->Submit(std::move(request),
                            [version, done](const Status& status, InferenceResult result) {
                              Outcome outcome{status, version};
                              if (status.ok() && !result.features.empty())
                                outcome.result_tag = result.features[0];
                              done(outcome);
                            });
}

Outcome SubmitAndWait(ModelManager* manager, const std::string& name) {
  std::mutex mu;
  std::condition_variable cv;
  bool answered = false;
  Outcome out;
  SubmitTo(manager, name, [&](const Outcome& outcome) {
    std::lock_guard<std::mutex> lock(mu);
    out = outcome;
    answered = true;
    cv.notify_all();
  });
  std::unique_lock<std::mutex> lock(mu);
  EXPECT_TRUE(cv.wait_for(lock, std::chrono::seconds(10), [&] { return answered; }));
  return out;
}

const ModelIndexEntry* FindEntry(const std::vector<ModelIndexEntry>& index, const std::string& name,
                                 const std::string& version) {
  for (const ModelIndexEntry& entry : index) {
    if (entry.name == name && entry.version == version) return &entry;
  }
  return nullptr;
}

class ModelManagerTest : public ::testing::Test {
 protected:
  void SetUp() override { spdlog::default_logger_raw(); }  // see pipeline_concurrency_test.cc
  TempFolder repo{"model-manager"};
  FakeLoader loader;
};

TEST_F(ModelManagerTest, ServesTwoModelsAndTheHighestVersion) {
  WriteVersion(repo, "a", 1, "tag 1");
  WriteVersion(repo, "a", 2, "tag 2");
  WriteVersion(repo, "b", 7, "tag 7");
  ModelManagerOptions options = Options(repo);
  options.default_model = "b";
  ModelManager manager(options, &loader, nullptr);
  ASSERT_TRUE(manager.Start().ok());
  EXPECT_EQ(manager.ServedNames(), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(manager.DefaultModel(), "b");
  Outcome a = SubmitAndWait(&manager, "a");
  ASSERT_TRUE(a.status.ok()) << a.status.ToString();
  EXPECT_EQ(a.result_tag, 2.0f);
  Outcome b = SubmitAndWait(&manager, "");  // the default model
  ASSERT_TRUE(b.status.ok());
  EXPECT_EQ(b.result_tag, 7.0f);
  Outcome missing = SubmitAndWait(&manager, "c");
  EXPECT_EQ(missing.status.code(), StatusCode::kNotFound);
  EXPECT_NE(missing.status.message().find("'c'"), std::string::npos);
  EXPECT_NE(missing.status.message().find("a, b"), std::string::npos) << missing.status.message();

  const std::vector<ModelIndexEntry> index = manager.Index(/*ready_only=*/false);
  ASSERT_EQ(index.size(), 3u);
  EXPECT_EQ(FindEntry(index, "a", "1")->state, "UNAVAILABLE");
  EXPECT_EQ(FindEntry(index, "a", "2")->state, "READY");
  EXPECT_TRUE(FindEntry(index, "a", "2")->is_default_version);
  EXPECT_EQ(manager.Index(/*ready_only=*/true).size(), 2u);
}

TEST_F(ModelManagerTest, SeveralModelsAndNoDefaultFailsAtStart) {
  WriteVersion(repo, "a", 1, "tag 1");
  WriteVersion(repo, "b", 1, "tag 1");
  ModelManager manager(Options(repo), &loader, nullptr);
  Status status = manager.Start();
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("--default-model"), std::string::npos) << status.message();
}

// 8 threads submit continuously while the model is reloaded to version 2
// and then 3: no request fails, each answer comes from the version it was
// given (one version per batch: each version has its own backend).
TEST_F(ModelManagerTest, ReloadUnderLoadFailsNothingAndTagsEveryAnswerOnce) {
  WriteVersion(repo, "m", 1, "tag 1");
  ModelManager manager(Options(repo), &loader, nullptr);
  ASSERT_TRUE(manager.Start().ok());
  std::atomic<bool> stop{false};
  std::atomic<int> submitted{0};
  std::atomic<int> answered{0};
  std::atomic<int> failures{0};
  std::atomic<int> mismatches{0};
  std::mutex seen_mu;
  std::vector<int> seen(4, 0);  // answers per version tag; guarded by seen_mu
  std::vector<std::thread> clients;
  for (int t = 0; t < 8; ++t) {
    // A client with up to 4 requests in flight, as a real one would have.
    clients.emplace_back([&] {
      std::mutex mu;
      std::condition_variable cv;
      int in_flight = 0;  // guarded by mu
      while (!stop.load()) {
        {
          std::unique_lock<std::mutex> lock(mu);
          cv.wait(lock, [&] { return in_flight < 4; });
          ++in_flight;
        }
        ++submitted;
        SubmitTo(&manager, "m", [&](const Outcome& outcome) {
          if (!outcome.status.ok()) ++failures;
          if (outcome.status.ok() && outcome.result_tag != outcome.submitted_version) ++mismatches;
          if (outcome.status.ok()) {
            std::lock_guard<std::mutex> lock(seen_mu);
            ++seen[static_cast<int>(outcome.result_tag)];
          }
          ++answered;
          std::lock_guard<std::mutex> lock(mu);
          --in_flight;
          cv.notify_all();
        });
      }
      std::unique_lock<std::mutex> lock(mu);
      cv.wait(lock, [&] { return in_flight == 0; });
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  WriteVersion(repo, "m", 2, "tag 2");
  ASSERT_TRUE(manager.Load("m").ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  WriteVersion(repo, "m", 3, "tag 3");
  ASSERT_TRUE(manager.Load("m").ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  stop.store(true);
  for (auto& client : clients) client.join();
  for (int i = 0; i < 1000 && answered.load() < submitted.load(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(answered.load(), submitted.load());
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(mismatches.load(), 0);
  std::lock_guard<std::mutex> lock(seen_mu);
  EXPECT_GT(seen[1], 0);
  EXPECT_GT(seen[3], 0);
  EXPECT_EQ(manager.Find("m")->version(), 3);
}

TEST_F(ModelManagerTest, CorruptNewVersionKeepsTheOldOneServing) {
  WriteVersion(repo, "m", 1, "tag 1");
  ModelManager manager(Options(repo), &loader, nullptr);
  ASSERT_TRUE(manager.Start().ok());
  WriteVersion(repo, "m", 2, "garbage");
  Status status = manager.Load("m");
  EXPECT_EQ(status.code(), StatusCode::kDataLoss);
  EXPECT_NE(status.message().find("corrupt"), std::string::npos);
  ASSERT_NE(manager.Find("m"), nullptr);
  EXPECT_EQ(manager.Find("m")->version(), 1);
  EXPECT_EQ(SubmitAndWait(&manager, "m").result_tag, 1.0f);
  const std::vector<ModelIndexEntry> index = manager.Index(/*ready_only=*/false);
  EXPECT_EQ(FindEntry(index, "m", "1")->state, "READY");
  const ModelIndexEntry* failed = FindEntry(index, "m", "2");
  ASSERT_NE(failed, nullptr);
  EXPECT_EQ(failed->state, "UNAVAILABLE");
  EXPECT_NE(failed->reason.find("corrupt"), std::string::npos) << failed->reason;
}

TEST_F(ModelManagerTest, BadSettingsFileFailsTheLoadNamingTheField) {
  WriteVersion(repo, "m", 1, "tag 1");
  ASSERT_TRUE(WriteFile(repo / "m/vit-serve.json", R"({"max_batch_size": -3})"));
  ModelManagerOptions options = Options(repo);
  options.control_mode = "explicit";
  ModelManager manager(options, &loader, nullptr);
  ASSERT_TRUE(manager.Start().ok());
  Status status = manager.Load("m");
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("max_batch_size"), std::string::npos) << status.message();
  EXPECT_EQ(loader.loads(), 0);
}

TEST_F(ModelManagerTest, SettingsFileOverridesTheServerFlags) {
  WriteVersion(repo, "m", 1, "tag 1");
  ASSERT_TRUE(WriteFile(repo / "m/vit-serve.json",
                        R"({"max_batch_size": 2, "max_queue_delay_microseconds": 7,
                            "default_top_k": 3, "dtype": "bf16"})"));
  ModelManager manager(Options(repo), &loader, nullptr);
  ASSERT_TRUE(manager.Start().ok());
  const PipelineOptions& options = manager.Find("m")->pipeline()->options();
  EXPECT_EQ(options.batching.max_batch_size, 2);
  EXPECT_EQ(options.batching.max_queue_delay_microseconds, 7);
  EXPECT_EQ(options.default_top_k, 3);
  EXPECT_EQ(options.model_name, "m");
  EXPECT_EQ(options.model_version, "1");
  EXPECT_EQ(manager.Find("m")->default_top_k(), 3);
}

TEST_F(ModelManagerTest, TwoConcurrentLoadsLoadOnce) {
  WriteVersion(repo, "m", 1, "tag 1");
  ModelManagerOptions options = Options(repo);
  options.control_mode = "explicit";
  ModelManager manager(options, &loader, nullptr);
  ASSERT_TRUE(manager.Start().ok());
  loader.Hold(true);
  Status first, second;
  std::thread a([&] { first = manager.Load("m"); });
  ASSERT_TRUE(loader.WaitForLoads(1));
  EXPECT_EQ(FindEntry(manager.Index(false), "m", "1")->state, "LOADING");
  std::thread b([&] { second = manager.Load("m"); });
  for (int i = 0; i < 1000 && manager.loads_joined() < 1; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_EQ(manager.loads_joined(), 1);
  loader.Hold(false);
  a.join();
  b.join();
  EXPECT_TRUE(first.ok()) << first.ToString();
  EXPECT_TRUE(second.ok()) << second.ToString();
  EXPECT_EQ(loader.loads(), 1);
}

TEST_F(ModelManagerTest, UnloadAnswersQueuedRequestsThenNotFound) {
  WriteVersion(repo, "m", 1, "tag 1");
  ModelManagerOptions options = Options(repo);
  options.pipeline.batching.max_queue_delay_microseconds = 60'000'000;  // queued until unload
  options.pipeline.batching.max_batch_size = 64;
  ModelManager manager(options, &loader, nullptr);
  ASSERT_TRUE(manager.Start().ok());
  std::atomic<int> ok{0};
  std::atomic<int> answered{0};
  for (int i = 0; i < 5; ++i) {
    SubmitTo(&manager, "m", [&](const Outcome& outcome) {
      if (outcome.status.ok()) ++ok;
      ++answered;
    });
  }
  ASSERT_TRUE(manager.Unload("m").ok());  // returns once the version is freed
  EXPECT_EQ(answered.load(), 5);
  EXPECT_EQ(ok.load(), 5);
  EXPECT_EQ(manager.Find("m"), nullptr);
  EXPECT_EQ(SubmitAndWait(&manager, "m").status.code(), StatusCode::kNotFound);
  EXPECT_EQ(FindEntry(manager.Index(false), "m", "1")->reason, "unloaded");
  EXPECT_EQ(manager.Unload("nope").code(), StatusCode::kNotFound);
}

TEST_F(ModelManagerTest, LoadOverTheMemoryBudgetIsRefusedWithTheNumbers) {
  WriteVersion(repo, "a", 1, "tag 1" + std::string(3 << 20, ' '));  // ~3 MiB of "weights"
  WriteVersion(repo, "b", 1, "tag 2" + std::string(2 << 20, ' '));  // ~2 MiB
  ModelManagerOptions options = Options(repo);
  options.control_mode = "explicit";
  options.load_models = {"a"};
  options.max_model_memory_mb = 4;
  ModelManager manager(options, &loader, nullptr);
  ASSERT_TRUE(manager.Start().ok());
  Status status = manager.Load("b");
  EXPECT_EQ(status.code(), StatusCode::kResourceExhausted);
  EXPECT_NE(status.message().find("needs an estimated 2.0 MiB"), std::string::npos)
      << status.message();
  EXPECT_NE(status.message().find("3.0 MiB of the 4 MiB budget"), std::string::npos)
      << status.message();
  EXPECT_EQ(loader.loads(), 1);
  // A reload of a counts both versions during the swap: 3 + 3 > 4.
  EXPECT_EQ(manager.Load("a").code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(manager.Find("a")->version(), 1);
}

TEST_F(ModelManagerTest, ControlNeedsTheFlag) {
  WriteVersion(repo, "m", 1, "tag 1");
  ModelManagerOptions options = Options(repo);
  options.allow_model_control = false;
  ModelManager manager(options, &loader, nullptr);
  ASSERT_TRUE(manager.Start().ok());
  Status load = manager.Load("m");
  EXPECT_EQ(load.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(load.message().find("--allow-model-control"), std::string::npos);
  EXPECT_EQ(manager.Unload("m").code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(manager.Find("m"), nullptr);
}

TEST_F(ModelManagerTest, ExplicitModeLoadsOnlyTheNamedModels) {
  WriteVersion(repo, "a", 1, "tag 1");
  WriteVersion(repo, "b", 1, "tag 1");
  ModelManagerOptions options = Options(repo);
  options.control_mode = "explicit";
  options.load_models = {"b"};
  ModelManager manager(options, &loader, nullptr);
  ASSERT_TRUE(manager.Start().ok());
  EXPECT_EQ(manager.ServedNames(), (std::vector<std::string>{"b"}));
  EXPECT_EQ(manager.DefaultModel(), "b");
  options.load_models = {"zzz"};
  ModelManager bad(options, &loader, nullptr);
  EXPECT_EQ(bad.Start().code(), StatusCode::kNotFound);
}

TEST_F(ModelManagerTest, RescanLoadsNewModelsReloadsChangedOnesUnloadsRemovedOnes) {
  WriteVersion(repo, "a", 1, "tag 1");
  WriteVersion(repo, "gone", 1, "tag 1");
  ModelManagerOptions options = Options(repo);
  options.default_model = "a";
  ModelManager manager(options, &loader, nullptr);
  ASSERT_TRUE(manager.Start().ok());
  EXPECT_EQ(loader.loads(), 2);
  EXPECT_TRUE(manager.Rescan().ok());  // nothing changed: nothing loads
  EXPECT_EQ(loader.loads(), 2);
  WriteVersion(repo, "a", 2, "tag 2");
  WriteVersion(repo, "new", 1, "tag 3");
  std::filesystem::remove_all(repo / "gone");
  EXPECT_TRUE(manager.Rescan().ok());
  EXPECT_EQ(manager.ServedNames(), (std::vector<std::string>{"a", "new"}));
  EXPECT_EQ(manager.Find("a")->version(), 2);
}

TEST_F(ModelManagerTest, SingleModelFolderIsARepositoryOfOne) {
  WriteVersion(repo, "solo", 1, "tag 1");
  ModelManagerOptions options = Options(repo);
  options.repository.clear();
  options.single_model = repo / "solo/1";
  ModelManager manager(options, &loader, nullptr);
  ASSERT_TRUE(manager.Start().ok());
  EXPECT_EQ(manager.DefaultModel(), "1");
  Outcome outcome = SubmitAndWait(&manager, "");
  EXPECT_TRUE(outcome.status.ok()) << outcome.status.ToString();
  EXPECT_NE(manager.Find("fake-model"), nullptr);  // the model's id names it too
}

}  // namespace
}  // namespace vit::server
