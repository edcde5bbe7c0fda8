// Executes an Open Inference Protocol request on the served model: checks
// the model name, the inputs (name, datatype, shape, element count) and the
// requested outputs against what ModelMetadata promises, splits a batch of B
// into B pipeline requests (so they are batched with everything else), and
// gathers the B results into the requested output tensors. Both the gRPC
// service and the HTTP codec call it; neither repeats these checks.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "common/status.h"
#include "server/oip/tensor.h"
#include "server/serving_context.h"

namespace vit::server::oip {

/// Called exactly once, on a pipeline thread or inline for an immediate
/// rejection. `response` is complete on OK.
using InferCallback = std::function<void(const Status& status, InferResponse response)>;

struct CallInfo {
  /// Metrics label and log name, see CallRecord.
  const char* protocol = "oip-grpc";
  const char* method = "ModelInfer";
  std::string peer;
  /// Absolute deadline on the pipeline's clock (microseconds); 0 = none (the
  /// server's default deadline applies).
  int64_t deadline_micros = 0;
  /// Set when the client cancels (nullptr = never): see
  /// InferenceRequest::cancelled.
  std::shared_ptr<const std::atomic<bool>> cancelled;
};

class InferenceRunner {
 public:
  /// `serving` must outlive the runner.
  explicit InferenceRunner(ServingContext* serving);

  /// `request` and whatever its tensors point into must stay valid until
  /// `done` has run. Errors: NOT_FOUND (model or version), INVALID_ARGUMENT
  /// naming the tensor (unknown name, wrong datatype, a shape that is not
  /// the model's, data that does not match the shape, a batch over
  /// max_batch_size, an undecodable image, classification out of range),
  /// and the pipeline's (RESOURCE_EXHAUSTED, DEADLINE_EXCEEDED, UNAVAILABLE).
  void Infer(const InferRequest& request, const CallInfo& call, InferCallback done);

 private:
  ServingContext* const serving_;
};

}  // namespace vit::server::oip
