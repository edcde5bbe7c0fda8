// The model manager: which versions of which models are loaded and served,
// behind the ModelControl interface the front doors' repository APIs use.
// Every served version has its own pipeline on one shared executor and one
// shared preprocessing pool (one CPU budget). A request pins the version it
// was given (a std::shared_ptr), so a reload swaps atomically while requests
// already accepted finish on the old version; the old one is freed once the
// last of them is answered. Loads are availability-preserving: the new
// version loads and warms up while the old one serves, and a failed load
// leaves the old one serving. No LibTorch (the loader is an interface), no
// gRPC: runs under ThreadSanitizer.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/status.h"
#include "server/batch_executor.h"
#include "server/inference_pipeline.h"
#include "server/model_control.h"
#include "server/model_loader.h"
#include "server/repository/repository_scan.h"
#include "server/serving_context.h"
#include "server/worker_pool.h"

namespace vit::server {

struct ModelManagerOptions {
  /// --model-repository: a folder of models. Exactly one of `repository`
  /// and `single_model` is set (the runner resolves --model's default).
  std::string repository;
  /// --model: a repository of one model folder.
  std::string single_model;
  /// "none" (load every model at start; later changes only by rescan),
  /// "explicit" (load only `load_models` at start, then through the API),
  /// "poll" (as none, and the runner rescans every --repository-poll-secs).
  /// Default "none".
  std::string control_mode = "none";
  /// explicit mode: models to load at start; "*" = all. Default empty.
  std::vector<std::string> load_models;
  /// Load()/Unload() through the API are refused (FAILED_PRECONDITION)
  /// unless set. Start() and Rescan() are not affected. Default false.
  bool allow_model_control = false;
  /// The model of requests that name none; "" = the only model. Default "".
  std::string default_model;
  /// Estimated memory of every loaded version together (MiB) that a load may
  /// not exceed (server/repository/memory_estimate.h); 0 = unlimited.
  int64_t max_model_memory_mb = 0;
  /// Server-wide pipeline settings (batching, warm-up, preprocess_threads for
  /// the shared pool) that a model's vit-serve.json may override.
  PipelineOptions pipeline;
  /// Server-wide engine dtype and threads, overridable per model.
  std::string dtype = "auto";
  int threads = 0;
  /// Server-wide --default-top-k, overridable per model.
  int default_top_k = 5;
};

/// One loaded model version: what a request pins.
class ServedModel {
 public:
  ServedModel(std::string name, int64_t version, LoadedModel loaded, int default_top_k,
              int64_t estimated_bytes, std::string fingerprint);
  const std::string& name() const { return name_; }
  int64_t version() const { return version_; }
  InferencePipeline* pipeline() const { return pipeline_.get(); }
  int default_top_k() const { return default_top_k_; }
  int64_t estimated_bytes() const { return estimated_bytes_; }
  const std::string& fingerprint() const { return fingerprint_; }

 private:
  friend class ModelManager;
  const std::string name_;
  const int64_t version_;
  LoadedModel loaded_;
  std::unique_ptr<InferencePipeline> pipeline_;  // destroyed before loaded_
  const int default_top_k_;
  const int64_t estimated_bytes_;
  const std::string fingerprint_;
};

using ModelHandle = std::shared_ptr<ServedModel>;

class ModelManager final : public ModelControl, public ModelDirectory {
 public:
  /// `loader` and `metrics` (nullable) must outlive the manager. Starts the
  /// shared executor and preprocessing workers; loads nothing yet.
  ModelManager(const ModelManagerOptions& options, ModelLoader* loader, Metrics* metrics);
  ~ModelManager() override;  // Stop(/*drain=*/false)
  ModelManager(const ModelManager&) = delete;
  ModelManager& operator=(const ModelManager&) = delete;

  /// Scans the repository and loads what the control mode says, then
  /// settles the default model. An error when the repository cannot be read,
  /// a model named by --load-model or --default-model is not in it, a model
  /// to load fails, or several models are served and none is the default.
  Status Start();
  /// Re-reads the repository (SIGHUP, poll): unloads loaded models gone from
  /// disk, reloads those whose served version changed (number or files),
  /// and, except in explicit mode, loads new ones. Returns the first error;
  /// every model is still visited.
  Status Rescan();

  /// The version serving `name` ("" = the default model; the default
  /// model's id is accepted as its name too); nullptr when not served.
  ModelHandle Find(const std::string& name) const;
  // ModelDirectory (what the front doors use, through ServingContext):
  std::shared_ptr<InferencePipeline> ServingPipeline(const std::string& name) const override;
  std::vector<std::shared_ptr<InferencePipeline>> ServingPipelines() const override;
  Status NotServedError(const std::string& name) const override;
  /// Names of the models being served, sorted.
  std::vector<std::string> ServedNames() const;
  /// Lets the executor drop cancelled requests at once.
  void WakeForCancellation() override { executor_.Wake(); }
  /// Load calls that found a load of the same model in progress and waited
  /// for its result instead of loading again.
  int64_t loads_joined() const;

  /// Completes every accepted request (computed with `drain`, else
  /// UNAVAILABLE) and stops the executor and workers. Idempotent; a
  /// Stop(false) during a Stop(true) cancels what is still queued.
  void Stop(bool drain);

  // ModelControl:
  std::vector<ModelIndexEntry> Index(bool ready_only) const override;
  Status Load(const std::string& name) override;
  Status Unload(const std::string& name) override;
  std::string DefaultModel() const override;

 private:
  struct Record;
  struct Owner;
  // The repository's models now (or the --model folder as a repository of one).
  StatusOr<std::vector<repository::RepositoryModel>> ScanModels() const;
  // Load without the allow_model_control check; joins a load in progress.
  Status LoadModel(const std::string& name);
  Status DoLoad(const std::string& name, Record* record);
  Status UnloadModel(const std::string& name);
  StatusOr<repository::RepositoryModel> ScanOne(const std::string& name) const;
  std::shared_ptr<Record> RecordFor(const std::string& name);
  // Waits until no request holds `owner`'s handle, drains and frees it.
  static void Retire(std::shared_ptr<Owner> owner);
  PipelineOptions PipelineFor(const repository::RepositoryModel& model, int64_t version) const;
  int64_t InUseBytesLocked() const;
  std::string ServedListLocked() const;

  const ModelManagerOptions options_;
  ModelLoader* const loader_;
  Metrics* const metrics_;
  WorkerPool workers_;
  BatchExecutor executor_;

  mutable std::mutex mu_;  // guards the fields below and every Record's non-control fields
  std::map<std::string, std::shared_ptr<Record>> records_;
  std::vector<repository::RepositoryModel> scanned_;  // the last scan, by name
  std::string default_model_;
  int64_t reserved_bytes_ = 0;  // estimates of loads in progress
  int64_t retiring_bytes_ = 0;  // estimates of replaced versions not yet freed
  int64_t loads_joined_ = 0;
  bool stopped_ = false;
};

}  // namespace vit::server
