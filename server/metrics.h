// Prometheus metrics for the server: request counts by status code, latency
// and batch-size histograms, queue depths and model info, rendered in the
// Prometheus text exposition format (served by MetricsHttpServer).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "common/model_info.h"
#include "common/status.h"

namespace vit::server {

/// A cumulative histogram with fixed upper bounds (Prometheus semantics).
class Histogram {
 public:
  explicit Histogram(std::vector<double> upper_bounds);
  void Observe(double value);
  /// Appends NAME_bucket / NAME_sum / NAME_count lines; `labels` (e.g.
  /// `model="a"`, "" = none) go on every line.
  void Render(const std::string& name, const std::string& labels, std::string* out) const;

 private:
  std::vector<double> upper_bounds_;
  std::vector<uint64_t> counts_;  // one per bound, plus +Inf
  double sum_ = 0.0;
  uint64_t count_ = 0;
};

class Metrics {
 public:
  /// Returns the preprocessing and batch queue depths at scrape time.
  using QueueDepthFn = std::function<std::pair<size_t, size_t>()>;
  /// Returns the requests in flight and the open streams at scrape time.
  using InFlightFn = std::function<std::pair<int64_t, int64_t>()>;

  Metrics();

  /// One finished request (or one ClassifyStream item) of RPC or endpoint
  /// `method`, received over `protocol` ("vit", "oip-grpc", "oip-http",
  /// "http"), served by `model` (the repository's model name; "" = none
  /// resolved, rendered without a model label).
  void CountRequest(const std::string& protocol, const std::string& method, StatusCode code,
                    const std::string& model = "");
  /// The same, for a gRPC code with no StatusCode (e.g. "UNAUTHENTICATED").
  void CountRequest(const std::string& protocol, const std::string& method,
                    const std::string& code_name, const std::string& model = "");
  /// Latencies of one successful request of `model`, in microseconds.
  void ObserveLatencies(int64_t queue_us, int64_t preprocess_us, int64_t total_us,
                        const std::string& model = "");
  /// One model run of `model`.
  void ObserveBatch(int batch_size, int64_t inference_us, const std::string& model = "");
  void SetModelInfo(const ModelInfo& info);
  void SetQueueDepthFn(QueueDepthFn fn);
  void SetInFlightFn(InFlightFn fn);

  std::string RenderPrometheus() const;

 private:
  // One model's latency and batch-size histograms.
  struct ModelHistograms {
    ModelHistograms();
    Histogram queue_seconds;
    Histogram preprocess_seconds;
    Histogram inference_seconds;
    Histogram total_seconds;
    Histogram batch_size;
  };
  // Renders one histogram family: every model's, the unlabeled ("") first.
  void RenderFamily(const char* name, Histogram ModelHistograms::*member, std::string* out) const;

  mutable std::mutex mu_;  // guards every member below
  // (protocol, method, code, model)
  std::map<std::tuple<std::string, std::string, std::string, std::string>, uint64_t> requests_;
  // By model name; "" (no model label) always present.
  std::map<std::string, ModelHistograms> histograms_;
  uint64_t batches_ = 0;
  uint64_t images_ = 0;
  std::string model_info_labels_;
  QueueDepthFn queue_depth_fn_;
  InFlightFn in_flight_fn_;
};

}  // namespace vit::server
