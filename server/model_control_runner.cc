#include "server/model_control_runner.h"

#include <utility>

namespace vit::server {
namespace {

Status ShuttingDown(const char* what, const std::string& name) {
  return UnavailableError(std::string(what) + " " + name + ": the server is shutting down");
}

}  // namespace

Status NoModelRepositoryError() {
  return FailedPreconditionError(
      "no model repository: this server serves one model; start vit-server with "
      "--model-repository DIR to list, load and unload models");
}

ModelControlRunner::ModelControlRunner(ModelControlRunnerOptions options) : options_(options) {}

ModelControlRunner::~ModelControlRunner() { Stop(); }

StatusOr<std::vector<ModelIndexEntry>> ModelControlRunner::Index(bool ready_only) const {
  ModelControl* control = control_.load();
  if (control == nullptr) return NoModelRepositoryError();
  return control->Index(ready_only);
}

StatusOr<std::string> ModelControlRunner::DefaultModel() const {
  ModelControl* control = control_.load();
  if (control == nullptr) return NoModelRepositoryError();
  return control->DefaultModel();
}

void ModelControlRunner::Load(const std::string& name, Done done) {
  Run("load", name, &ModelControl::Load, std::move(done));
}

void ModelControlRunner::Unload(const std::string& name, Done done) {
  Run("unload", name, &ModelControl::Unload, std::move(done));
}

WorkerPool* ModelControlRunner::Pool() {
  std::lock_guard<std::mutex> lock(mu_);
  if (stopped_) return nullptr;
  if (pool_ == nullptr) {
    WorkerPoolOptions pool;
    pool.num_threads = options_.threads < 1 ? 1 : options_.threads;
    pool.max_queue_size = options_.max_queued < 1 ? 1 : options_.max_queued;
    pool_ = std::make_unique<WorkerPool>(pool);
  }
  return pool_.get();
}

void ModelControlRunner::Run(const char* what, const std::string& name,
                             Status (ModelControl::*action)(const std::string&), Done done) {
  ModelControl* control = control_.load();
  if (control == nullptr) return done(NoModelRepositoryError());
  if (name.empty())
    return done(InvalidArgumentError(std::string(what) + ": the model name is empty"));
  WorkerPool* pool = Pool();
  if (pool == nullptr) return done(ShuttingDown(what, name));
  // `done` moves into the job only when it is queued; on refusal it stays here.
  auto shared_done = std::make_shared<Done>(std::move(done));
  Status queued = pool->TrySubmit([this, control, action, what, name, shared_done] {
    (*shared_done)(stopping_.load() ? ShuttingDown(what, name) : (control->*action)(name));
  });
  if (queued.code() == StatusCode::kResourceExhausted) {
    return (*shared_done)(ResourceExhaustedError(
        std::string(what) + " " + name + ": " + std::to_string(options_.max_queued) +
        " model control calls are already waiting; retry later"));
  }
  if (!queued.ok()) (*shared_done)(ShuttingDown(what, name));
}

void ModelControlRunner::Stop() {
  stopping_.store(true);
  WorkerPool* pool = nullptr;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopped_ = true;
    pool = pool_.get();  // kept until the destructor: a racing Run() may still hold it
  }
  if (pool != nullptr) pool->Stop();  // queued jobs answer UNAVAILABLE; running ones finish
}

}  // namespace vit::server
