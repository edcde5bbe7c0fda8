// ModelControlRunner over the fake repository control: loads and unloads run
// on a control thread and are answered exactly once, the queue's bound, a
// stop that answers queued calls UNAVAILABLE and waits for a running one, and
// the answers without a repository.
#include "server/model_control_runner.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "tests/server/fake_model_control.h"

namespace vit::server {
namespace {

using testing::FakeModelControl;

// Collects the answers of one call: how many there were and the last one.
struct Answer {
  std::promise<Status> promise;
  std::future<Status> future = promise.get_future();
  std::atomic<int> count{0};
  std::thread::id thread;

  ModelControlRunner::Done Callback() {
    return [this](const Status& status) {
      thread = std::this_thread::get_id();
      if (count.fetch_add(1) == 0) promise.set_value(status);
    };
  }
  Status Get() {
    if (future.wait_for(std::chrono::seconds(10)) != std::future_status::ready)
      return InternalError("no answer within 10 s");
    return future.get();
  }
};

TEST(ModelControlRunnerTest, WithoutARepositoryEveryCallIsFailedPrecondition) {
  ModelControlRunner runner;
  EXPECT_FALSE(runner.has_control());
  EXPECT_EQ(runner.Index(false).status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(runner.Index(false).status().message().find("no model repository"), std::string::npos);
  EXPECT_EQ(runner.DefaultModel().status().code(), StatusCode::kFailedPrecondition);
  Answer load;
  runner.Load("alpha", load.Callback());
  EXPECT_EQ(load.Get().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(load.count.load(), 1);
}

TEST(ModelControlRunnerTest, LoadRunsOnAControlThreadAndIsAnsweredOnce) {
  FakeModelControl control;
  ModelControlRunner runner;
  runner.SetControl(&control);
  Answer load, unload;
  runner.Load("alpha", load.Callback());
  EXPECT_TRUE(load.Get().ok());
  runner.Unload("beta", unload.Callback());
  EXPECT_TRUE(unload.Get().ok());
  runner.Stop();
  EXPECT_EQ(load.count.load(), 1);
  EXPECT_EQ(unload.count.load(), 1);
  EXPECT_NE(load.thread, std::this_thread::get_id());
  EXPECT_EQ(control.calls(), (std::vector<std::string>{"load:alpha", "unload:beta"}));
}

TEST(ModelControlRunnerTest, ErrorsAndUnknownModelsPassThrough) {
  FakeModelControl control;
  ModelControlRunner runner;
  runner.SetControl(&control);
  Answer unknown;
  runner.Unload("gamma", unknown.Callback());
  const Status not_found = unknown.Get();
  EXPECT_EQ(not_found.code(), StatusCode::kNotFound);
  EXPECT_EQ(not_found.message(), "model 'gamma' is not in the model repository");
  control.FailWith(FailedPreconditionError("model control is off: --allow-model-control"));
  Answer refused;
  runner.Load("alpha", refused.Callback());
  EXPECT_EQ(refused.Get().ToString(),
            "FAILED_PRECONDITION: model control is off: --allow-model-control");
}

TEST(ModelControlRunnerTest, AnEmptyNameNeverReachesTheRepository) {
  FakeModelControl control;
  ModelControlRunner runner;
  runner.SetControl(&control);
  Answer load;
  runner.Load("", load.Callback());
  EXPECT_EQ(load.Get().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(control.calls().empty());
}

TEST(ModelControlRunnerTest, AFullQueueIsResourceExhaustedAtOnce) {
  FakeModelControl control;
  control.Block();
  ModelControlRunnerOptions options;
  options.threads = 1;
  options.max_queued = 1;
  ModelControlRunner runner(options);
  runner.SetControl(&control);
  Answer running, queued, refused;
  runner.Load("alpha", running.Callback());
  ASSERT_TRUE(control.WaitForStarted(1));
  runner.Load("beta", queued.Callback());
  runner.Load("alpha", refused.Callback());  // answered inline
  EXPECT_EQ(refused.count.load(), 1);
  EXPECT_EQ(refused.Get().code(), StatusCode::kResourceExhausted);
  control.Release();
  EXPECT_TRUE(running.Get().ok());
  EXPECT_TRUE(queued.Get().ok());
}

TEST(ModelControlRunnerTest, StopAnswersQueuedCallsAndWaitsForTheRunningOne) {
  FakeModelControl control;
  control.Block();
  ModelControlRunnerOptions options;
  options.threads = 1;
  ModelControlRunner runner(options);
  runner.SetControl(&control);
  Answer running, queued, late;
  runner.Load("alpha", running.Callback());
  ASSERT_TRUE(control.WaitForStarted(1));
  runner.Unload("beta", queued.Callback());
  std::thread stopper([&runner] { runner.Stop(); });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(running.count.load(), 0);  // Stop() waits for it
  control.Release();
  stopper.join();
  EXPECT_TRUE(running.Get().ok());
  const Status cancelled = queued.Get();
  EXPECT_EQ(cancelled.code(), StatusCode::kUnavailable);
  EXPECT_NE(cancelled.message().find("shutting down"), std::string::npos);
  runner.Load("alpha", late.Callback());
  EXPECT_EQ(late.Get().code(), StatusCode::kUnavailable);
  EXPECT_EQ(control.calls(), (std::vector<std::string>{"load:alpha"}));
  EXPECT_EQ(queued.count.load(), 1);
  EXPECT_EQ(late.count.load(), 1);
}

}  // namespace
}  // namespace vit::server
