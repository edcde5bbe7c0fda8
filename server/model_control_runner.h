// The front doors' way to the model repository's control surface
// (ModelControl, model_control.h): Index and DefaultModel answer at once;
// Load and Unload, which block for seconds, run on a small pool of control
// threads of their own, so that no gRPC callback or HTTP I/O thread ever
// waits for a model to load. Without a ModelControl (a server with no model
// repository) every call is FAILED_PRECONDITION "no model repository".
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/status.h"
#include "server/model_control.h"
#include "server/worker_pool.h"

namespace vit::server {

struct ModelControlRunnerOptions {
  /// Control threads: loads or unloads that run at once (ModelControl
  /// serializes those of one model itself). Default 2.
  int threads = 2;
  /// Loads and unloads that may wait for a control thread; more are
  /// RESOURCE_EXHAUSTED at once. Default 16.
  int max_queued = 16;
};

class ModelControlRunner {
 public:
  /// Runs exactly once: on a control thread with the call's result, or
  /// inline when the call is refused before it is queued.
  using Done = std::function<void(const Status&)>;

  explicit ModelControlRunner(ModelControlRunnerOptions options = {});
  ModelControlRunner(const ModelControlRunner&) = delete;
  ModelControlRunner& operator=(const ModelControlRunner&) = delete;
  ~ModelControlRunner();  // Stop()

  /// The repository's control (null = none). It must outlive Stop(). Set it
  /// before serving; replacing it while calls run is not supported.
  void SetControl(ModelControl* control) { control_.store(control); }
  bool has_control() const { return control_.load() != nullptr; }

  /// ModelControl::Index, inline (it must not block).
  StatusOr<std::vector<ModelIndexEntry>> Index(bool ready_only) const;
  /// ModelControl::DefaultModel, inline.
  StatusOr<std::string> DefaultModel() const;
  /// ModelControl::Load / Unload on a control thread. INVALID_ARGUMENT for
  /// an empty name, RESOURCE_EXHAUSTED when max_queued calls already wait,
  /// UNAVAILABLE after Stop() (also for calls still queued then), and
  /// ModelControl's own errors.
  void Load(const std::string& name, Done done);
  void Unload(const std::string& name, Done done);

  /// Refuses new calls, answers queued ones UNAVAILABLE, waits for those
  /// running, joins the threads. Idempotent. Call it before the
  /// ModelControl is destroyed.
  void Stop();

 private:
  // Checks, then queues `action` (Load or Unload of the control) for `name`.
  void Run(const char* what, const std::string& name,
           Status (ModelControl::*action)(const std::string&), Done done);
  // The pool, started at the first Load or Unload; null after Stop().
  WorkerPool* Pool();

  const ModelControlRunnerOptions options_;
  std::atomic<ModelControl*> control_{nullptr};
  std::atomic<bool> stopping_{false};
  std::mutex mu_;  // guards pool_ and stopped_
  std::unique_ptr<WorkerPool> pool_;
  bool stopped_ = false;
};

/// What a call without a repository is answered.
Status NoModelRepositoryError();

}  // namespace vit::server
