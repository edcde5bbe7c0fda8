// Two fake-model pipelines, "alpha" (version 1, the default) and "beta"
// (version 3), behind a ModelDirectory: what a ServingContext sees with a
// model repository, without the ModelManager. For the tests of per-model
// accounting and reporting over the front doors.
#pragma once

#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "server/inference_pipeline.h"
#include "server/metrics.h"
#include "server/serving_context.h"
#include "tests/server/fake_model.h"

namespace vit::server::testing {

class TwoModelDirectory final : public ModelDirectory {
 public:
  /// `beta_default_top_k`: beta's vit-serve.json default_top_k (0 = none).
  explicit TwoModelDirectory(Metrics* metrics, int beta_default_top_k = 0) {
    spdlog::default_logger_raw();  // see pipeline_concurrency_test.cc
    Add("alpha", "1", 0, &alpha_backend_, metrics);
    Add("beta", "3", beta_default_top_k, &beta_backend_, metrics);
  }
  ~TwoModelDirectory() override {
    for (auto& [name, pipeline] : pipelines_) pipeline->Stop(/*drain=*/true);
  }

  InferencePipeline& model(const std::string& name) { return *pipelines_.at(name); }

  std::shared_ptr<InferencePipeline> ServingPipeline(const std::string& name) const override {
    auto it = pipelines_.find(name.empty() ? "alpha" : name);
    return it == pipelines_.end() ? nullptr : it->second;
  }
  std::vector<std::shared_ptr<InferencePipeline>> ServingPipelines() const override {
    std::vector<std::shared_ptr<InferencePipeline>> all;
    for (const auto& [name, pipeline] : pipelines_) all.push_back(pipeline);
    return all;
  }
  Status NotServedError(const std::string& name) const override {
    return NotFoundError("model '" + name + "' is not served (served: alpha, beta)");
  }
  void WakeForCancellation() override {
    for (auto& [name, pipeline] : pipelines_) pipeline->WakeForCancellation();
  }

 private:
  void Add(const std::string& name, const std::string& version, int default_top_k,
           FakeBackend* backend, Metrics* metrics) {
    PipelineOptions options;
    options.batching.max_batch_size = 4;
    options.batching.max_queue_delay_microseconds = 1000;
    options.warmup_batches = 0;
    options.model_name = name;
    options.model_version = version;
    options.default_top_k = default_top_k;
    auto pipeline = InferencePipeline::Create(options, backend, &preprocessor_, metrics);
    if (!pipeline.ok()) {
      ADD_FAILURE() << name << ": " << pipeline.status().ToString();
      return;
    }
    pipelines_[name] = std::shared_ptr<InferencePipeline>(std::move(pipeline).value());
  }

  FakeBackend alpha_backend_;
  FakeBackend beta_backend_;
  FakePreprocessor preprocessor_;
  std::map<std::string, std::shared_ptr<InferencePipeline>> pipelines_;
};

}  // namespace vit::server::testing
