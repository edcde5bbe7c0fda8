#include "server/metrics.h"

#include <algorithm>

#include "server/prometheus_format.h"

namespace vit::server {
namespace {

std::vector<double> LatencyBounds() {
  return {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0};
}

std::vector<double> BatchSizeBounds() { return {1, 2, 4, 8, 16, 32, 64, 128, 256}; }

// Escapes a Prometheus label value.
std::string Escape(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

void Header(const char* name, const char* type, const char* help, std::string* out) {
  *out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
}

}  // namespace

Histogram::Histogram(std::vector<double> upper_bounds)
    : upper_bounds_(std::move(upper_bounds)), counts_(upper_bounds_.size() + 1, 0) {}

void Histogram::Observe(double value) {
  const size_t bucket =
      std::lower_bound(upper_bounds_.begin(), upper_bounds_.end(), value) - upper_bounds_.begin();
  ++counts_[bucket];
  sum_ += value;
  ++count_;
}

void Histogram::Render(const std::string& name, const std::string& labels, std::string* out) const {
  const std::string prefix = labels.empty() ? "" : labels + ",";
  const std::string braced = labels.empty() ? "" : "{" + labels + "}";
  uint64_t cumulative = 0;
  for (size_t i = 0; i < upper_bounds_.size(); ++i) {
    cumulative += counts_[i];
    *out += name + "_bucket{" + prefix + "le=\"" + FormatPrometheusValue(upper_bounds_[i]) +
            "\"} " + std::to_string(cumulative) + "\n";
  }
  *out += name + "_bucket{" + prefix + "le=\"+Inf\"} " + std::to_string(count_) + "\n";
  *out += name + "_sum" + braced + " " + FormatPrometheusValue(sum_) + "\n";
  *out += name + "_count" + braced + " " + std::to_string(count_) + "\n";
}

Metrics::ModelHistograms::ModelHistograms()
    : queue_seconds(LatencyBounds()),
      preprocess_seconds(LatencyBounds()),
      inference_seconds(LatencyBounds()),
      total_seconds(LatencyBounds()),
      batch_size(BatchSizeBounds()) {}

Metrics::Metrics() { histograms_.try_emplace(""); }

void Metrics::CountRequest(const std::string& protocol, const std::string& method, StatusCode code,
                           const std::string& model) {
  CountRequest(protocol, method, StatusCodeName(code), model);
}

void Metrics::CountRequest(const std::string& protocol, const std::string& method,
                           const std::string& code_name, const std::string& model) {
  std::lock_guard<std::mutex> lock(mu_);
  ++requests_[{protocol, method, code_name, model}];
}

void Metrics::ObserveLatencies(int64_t queue_us, int64_t preprocess_us, int64_t total_us,
                               const std::string& model) {
  std::lock_guard<std::mutex> lock(mu_);
  ModelHistograms& histograms = histograms_[model];
  histograms.queue_seconds.Observe(queue_us * 1e-6);
  histograms.preprocess_seconds.Observe(preprocess_us * 1e-6);
  histograms.total_seconds.Observe(total_us * 1e-6);
}

void Metrics::ObserveBatch(int batch_size, int64_t inference_us, const std::string& model) {
  std::lock_guard<std::mutex> lock(mu_);
  ModelHistograms& histograms = histograms_[model];
  histograms.batch_size.Observe(batch_size);
  histograms.inference_seconds.Observe(inference_us * 1e-6);
  ++batches_;
  images_ += batch_size;
}

void Metrics::RenderFamily(const char* name, Histogram ModelHistograms::*member,
                           std::string* out) const {
  for (const auto& [model, histograms] : histograms_) {
    const std::string labels = model.empty() ? "" : "model=\"" + Escape(model) + "\"";
    (histograms.*member).Render(name, labels, out);
  }
}

void Metrics::SetModelInfo(const ModelInfo& info) {
  std::lock_guard<std::mutex> lock(mu_);
  model_info_labels_ =
      "id=\"" + Escape(info.id) + "\",architecture=\"" + Escape(info.architecture) + "\",dtype=\"" +
      Escape(info.dtype) + "\",device=\"" + Escape(info.device) + "\",threads=\"" +
      std::to_string(info.threads) + "\",num_classes=\"" + std::to_string(info.num_classes) + "\"";
}

void Metrics::SetQueueDepthFn(QueueDepthFn fn) {
  std::lock_guard<std::mutex> lock(mu_);
  queue_depth_fn_ = std::move(fn);
}

void Metrics::SetInFlightFn(InFlightFn fn) {
  std::lock_guard<std::mutex> lock(mu_);
  in_flight_fn_ = std::move(fn);
}

std::string Metrics::RenderPrometheus() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::string out;
  Header("vit_requests_total", "counter",
         "Finished requests by protocol, RPC method or endpoint, and status code.", &out);
  for (const auto& [key, count] : requests_) {
    const auto& [protocol, method, code, model] = key;
    const std::string model_label = model.empty() ? "" : ",model=\"" + Escape(model) + "\"";
    out += "vit_requests_total{protocol=\"" + Escape(protocol) + "\",method=\"" + Escape(method) +
           "\",code=\"" + code + "\"" + model_label + "} " + std::to_string(count) + "\n";
  }
  Header("vit_queue_latency_seconds", "histogram", "Time from batch queue to batch start.", &out);
  RenderFamily("vit_queue_latency_seconds", &ModelHistograms::queue_seconds, &out);
  Header("vit_preprocess_latency_seconds", "histogram", "Decode and preprocess time per image.",
         &out);
  RenderFamily("vit_preprocess_latency_seconds", &ModelHistograms::preprocess_seconds, &out);
  Header("vit_inference_latency_seconds", "histogram", "Model run time per batch.", &out);
  RenderFamily("vit_inference_latency_seconds", &ModelHistograms::inference_seconds, &out);
  Header("vit_request_latency_seconds", "histogram", "Server-side time per successful request.",
         &out);
  RenderFamily("vit_request_latency_seconds", &ModelHistograms::total_seconds, &out);
  Header("vit_batch_size", "histogram", "Images per model run.", &out);
  RenderFamily("vit_batch_size", &ModelHistograms::batch_size, &out);
  Header("vit_batches_total", "counter", "Model runs.", &out);
  out += "vit_batches_total " + std::to_string(batches_) + "\n";
  Header("vit_inferred_images_total", "counter", "Images that went through the model.", &out);
  out += "vit_inferred_images_total " + std::to_string(images_) + "\n";
  if (queue_depth_fn_) {
    const auto [preprocess, batch] = queue_depth_fn_();
    Header("vit_queue_depth", "gauge", "Requests waiting, by queue.", &out);
    out += "vit_queue_depth{queue=\"preprocess\"} " + std::to_string(preprocess) + "\n";
    out += "vit_queue_depth{queue=\"batch\"} " + std::to_string(batch) + "\n";
  }
  if (in_flight_fn_) {
    const auto [requests, streams] = in_flight_fn_();
    Header("vit_requests_in_flight", "gauge", "Requests accepted and not yet answered.", &out);
    out += "vit_requests_in_flight " + std::to_string(requests) + "\n";
    Header("vit_streams_open", "gauge", "ClassifyStream calls open.", &out);
    out += "vit_streams_open " + std::to_string(streams) + "\n";
  }
  if (!model_info_labels_.empty()) {
    Header("vit_model_info", "gauge", "The served model (always 1).", &out);
    out += "vit_model_info{" + model_info_labels_ + "} 1\n";
  }
  return out;
}

}  // namespace vit::server
