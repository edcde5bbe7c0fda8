// What every front door of the server shares: the vit.v1 gRPC service, the
// Open Inference Protocol over gRPC and HTTP, and the plain /v1 HTTP
// endpoints. One instance per server: the pipeline being served, the
// bearer token, the server-wide in-flight cap, the default deadline, metrics,
// the served model's statistics and the request log, so that every protocol is
// limited, counted and logged the same way.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "server/bearer_token_auth.h"
#include "server/inference_pipeline.h"
#include "server/metrics.h"
#include "server/model_control.h"
#include "server/model_control_runner.h"
#include "server/service_options.h"

namespace vit::server {

/// One finished call, for Record().
struct CallRecord {
  /// Metrics label: "vit", "oip-grpc", "oip-http" or "http".
  const char* protocol = "vit";
  /// RPC or endpoint name: "Classify", "ModelInfer", "/v1/classify", ...
  const char* method = "";
  std::string peer;
  /// Encoded image bytes (or body bytes) the call carried; for the log.
  size_t bytes = 0;
  /// Images the call asked for (its batch size); 1 for vit.v1.
  int images = 1;
  Status status;
  /// The call's timings on success (the slowest image of a batched call).
  const InferenceResult* result = nullptr;
  /// The model that served the call, for its statistics and the metrics'
  /// model label; nullptr = none resolved (without a model repository the
  /// one pipeline's statistics count it).
  InferencePipeline* model = nullptr;
};

/// Where a server with a model repository finds its models (the
/// ModelManager): a request's model name to the version serving it.
class ModelDirectory {
 public:
  virtual ~ModelDirectory() = default;
  /// The pipeline serving `name` ("" = the default model), kept alive (the
  /// version pinned) while the returned pointer lives; nullptr when not served.
  virtual std::shared_ptr<InferencePipeline> ServingPipeline(const std::string& name) const = 0;
  /// Every served model's pipeline (one version each), sorted by name.
  virtual std::vector<std::shared_ptr<InferencePipeline>> ServingPipelines() const = 0;
  /// NOT_FOUND naming `name` and listing the served models.
  virtual Status NotServedError(const std::string& name) const = 0;
  /// Lets the shared executor drop cancelled requests at once.
  virtual void WakeForCancellation() = 0;
};

/// One finished model control call (RepositoryIndex, RepositoryModelLoad,
/// RepositoryModelUnload, ListModels), for RecordControl().
struct ControlCallRecord {
  const char* protocol = "oip-grpc";
  const char* method = "";
  std::string peer;
  /// The model loaded or unloaded; "" for the index calls.
  std::string model;
  Status status;
  /// From the call's arrival to its answer.
  int64_t elapsed_ms = 0;
};

class ServingContext {
 public:
  /// `metrics` may be null.
  ServingContext(const ServiceOptions& options, Metrics* metrics);
  ServingContext(const ServingContext&) = delete;
  ServingContext& operator=(const ServingContext&) = delete;

  /// Starts serving with `pipeline` (loaded and warmed up); until then every
  /// call is UNAVAILABLE. The pipeline must outlive every front door.
  void SetPipeline(InferencePipeline* pipeline);
  /// Starts serving the models of `directory` (which must outlive every
  /// front door) instead of one pipeline.
  void SetModelDirectory(ModelDirectory* directory);
  bool has_model_directory() const { return directory_.load(std::memory_order_acquire) != nullptr; }
  /// The default model's pipeline, pinned while the pointer lives; nullptr
  /// until serving (or while no default model is served).
  std::shared_ptr<InferencePipeline> pipeline() const;
  /// Every model being served (the one pipeline without a repository; none
  /// while it loads), sorted by name: OIP ModelStatistics without a name.
  std::vector<std::shared_ptr<InferencePipeline>> pipelines() const;
  /// The pipeline for a request's model name ("" = the default model) and
  /// version ("" = the served one). With a model directory: NOT_FOUND naming
  /// the model (and listing the served ones) or the version. With
  /// SetPipeline(): that pipeline whatever the name (the caller checks the
  /// name, as before repositories); UNAVAILABLE before serving.
  StatusOr<std::shared_ptr<InferencePipeline>> Resolve(const std::string& name,
                                                       const std::string& version = "") const;
  /// From SIGTERM on the server still answers what it accepts, but reports
  /// not ready (ServerReady, /v2/health/ready), as Triton does.
  void SetShuttingDown() { shutting_down_.store(true); }
  /// After a front door set a request's cancellation flag: lets the executor
  /// drop the cancelled work (and answer it) at once.
  void WakeForCancellation() const;
  /// Serving and not shutting down: what readiness checks report.
  bool ready() const { return pipeline() != nullptr && !shutting_down_.load(); }

  /// The model repository's control (model_control.h) the control calls
  /// use; null (the default) = no repository: they answer
  /// FAILED_PRECONDITION "no model repository". Set once, before serving;
  /// `control` must outlive StopModelControl().
  void SetModelControl(ModelControl* control) { control_runner_.SetControl(control); }
  /// Runs the control calls off the front doors' threads.
  ModelControlRunner& model_control() { return control_runner_; }
  /// Answers queued control calls UNAVAILABLE, waits for running ones and
  /// joins the control threads; before the ModelControl is destroyed.
  void StopModelControl() { control_runner_.Stop(); }
  /// Counts and logs one answered control call (no Enter(): control calls
  /// are not requests in flight and are answered before a model is served).
  void RecordControl(const ControlCallRecord& call);

  const ServiceOptions& options() const { return options_; }
  const BearerTokenAuth& auth() const { return auth_; }
  Metrics* metrics() const { return metrics_; }

  /// Counts a call of `images` images in flight until its Record(), which
  /// must follow exactly once whatever this returns. Returns the error to
  /// answer at once: UNAVAILABLE before SetPipeline, RESOURCE_EXHAUSTED when
  /// the server-wide cap (--max-in-flight-requests) was already reached.
  Status Enter(int images = 1);
  /// `call_deadline` (0 = none) or, without one, now + default_deadline_ms,
  /// on the pipeline's clock (microseconds).
  int64_t RequestDeadline(int64_t call_deadline) const;
  /// Counts, times and logs one finished call; ends its Enter().
  void Record(const CallRecord& call);
  /// Counts and logs a call refused for its credentials (no Enter()).
  void RecordUnauthenticated(const char* protocol, const char* method, const std::string& peer,
                             const std::string& message);

  /// Opens a streaming call (ClassifyStream, ModelStreamInfer: one count
  /// over both protocols); RESOURCE_EXHAUSTED (counted and logged) when
  /// --max-streams are already open. On OK, CloseStream() must follow.
  Status OpenStream(const char* protocol, const char* method, const std::string& peer);
  void CloseStream() { --open_streams_; }
  /// Streaming calls open now, over every protocol.
  int64_t open_streams() const { return open_streams_.load(); }

  /// Images accepted and not yet answered.
  int64_t in_flight() const { return in_flight_.load(); }
  /// Calls answered so far (any status).
  int64_t answered() const { return answered_.load(); }

 private:
  const ServiceOptions options_;
  const BearerTokenAuth auth_;
  Metrics* const metrics_;
  std::atomic<InferencePipeline*> pipeline_{nullptr};
  std::atomic<ModelDirectory*> directory_{nullptr};
  std::atomic<bool> shutting_down_{false};
  std::atomic<int64_t> in_flight_{0};
  std::atomic<int64_t> answered_{0};
  std::atomic<int64_t> open_streams_{0};
  ModelControlRunner control_runner_;
};

}  // namespace vit::server
