// The numbers in Metrics' Prometheus exposition: histogram bucket labels and
// sums in the shortest text that parses back to the exact double (le="0.0005",
// not le="0.00050000000000000001"), "+Inf" for the last bucket.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <limits>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "server/metrics.h"
#include "server/prometheus_format.h"

namespace vit::server {
namespace {

const std::vector<std::string> kLatencyBounds = {"0.0005", "0.001", "0.0025", "0.005", "0.01",
                                                 "0.025",  "0.05",  "0.1",    "0.25",  "0.5",
                                                 "1",      "2.5",   "5",      "10",    "+Inf"};
const std::vector<std::string> kBatchSizeBounds = {"1",  "2",  "4",   "8",   "16",
                                                   "32", "64", "128", "256", "+Inf"};

// NAME -> the le labels of its NAME_bucket lines, in order.
std::map<std::string, std::vector<std::string>> BucketLabels(const std::string& text) {
  std::map<std::string, std::vector<std::string>> labels;
  std::istringstream lines(text);
  std::string line;
  const std::string bucket = "_bucket{le=\"";
  while (std::getline(lines, line)) {
    const size_t at = line.find(bucket);
    if (at == std::string::npos) continue;
    const size_t begin = at + bucket.size();
    const size_t end = line.find('"', begin);
    if (end == std::string::npos) continue;
    labels[line.substr(0, at)].push_back(line.substr(begin, end - begin));
  }
  return labels;
}

// The value of the sample line that starts with "NAME ", or "" when none does.
std::string SampleValue(const std::string& text, const std::string& name) {
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind(name + " ", 0) == 0) return line.substr(name.size() + 1);
  }
  return "";
}

TEST(MetricsFormatTest, HistogramBucketLabelsAreShortestExactNumbers) {
  Metrics metrics;
  const auto labels = BucketLabels(metrics.RenderPrometheus());

  ASSERT_EQ(labels.size(), 5u);
  for (const char* name : {"vit_queue_latency_seconds", "vit_preprocess_latency_seconds",
                           "vit_inference_latency_seconds", "vit_request_latency_seconds"}) {
    ASSERT_EQ(labels.count(name), 1u) << name;
    EXPECT_EQ(labels.at(name), kLatencyBounds) << name;
  }
  ASSERT_EQ(labels.count("vit_batch_size"), 1u);
  EXPECT_EQ(labels.at("vit_batch_size"), kBatchSizeBounds);
}

TEST(MetricsFormatTest, HistogramSumsAreShortestExactNumbers) {
  Metrics metrics;
  metrics.ObserveLatencies(/*queue_us=*/500, /*preprocess_us=*/2500, /*total_us=*/1500);
  metrics.ObserveBatch(/*batch_size=*/3, /*inference_us=*/250000);
  const std::string text = metrics.RenderPrometheus();

  // 2500 * 1e-6 is the double nearest 0.0025; "%.17g" wrote it 0.0025000000000000001.
  EXPECT_EQ(SampleValue(text, "vit_queue_latency_seconds_sum"), "0.0005");
  EXPECT_EQ(SampleValue(text, "vit_preprocess_latency_seconds_sum"), "0.0025");
  EXPECT_EQ(SampleValue(text, "vit_request_latency_seconds_sum"), "0.0015");
  EXPECT_EQ(SampleValue(text, "vit_inference_latency_seconds_sum"), "0.25");
  EXPECT_EQ(SampleValue(text, "vit_batch_size_sum"), "3");
  EXPECT_EQ(SampleValue(text, "vit_batch_size_count"), "1");
}

TEST(MetricsFormatTest, FormatsShortestRoundTripText) {
  EXPECT_EQ(FormatPrometheusValue(0.0005), "0.0005");
  EXPECT_EQ(FormatPrometheusValue(0.0001), "0.0001");
  EXPECT_EQ(FormatPrometheusValue(1.0), "1");
  EXPECT_EQ(FormatPrometheusValue(10.0), "10");
  EXPECT_EQ(FormatPrometheusValue(2.5), "2.5");
  EXPECT_EQ(FormatPrometheusValue(0.0), "0");
  EXPECT_EQ(FormatPrometheusValue(-1.5), "-1.5");
  EXPECT_EQ(FormatPrometheusValue(123456.789), "123456.789");
  EXPECT_EQ(FormatPrometheusValue(1e16), "10000000000000000");
  // Not "0.3": the shortest text of this double that reads back to it.
  EXPECT_EQ(FormatPrometheusValue(0.1 + 0.2), "0.30000000000000004");
  EXPECT_EQ(FormatPrometheusValue(1e-7), "1e-07");
  EXPECT_EQ(FormatPrometheusValue(1e17), "1e+17");
}

TEST(MetricsFormatTest, FormatsNonFiniteValuesInExpositionSpelling) {
  EXPECT_EQ(FormatPrometheusValue(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(FormatPrometheusValue(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(FormatPrometheusValue(std::numeric_limits<double>::quiet_NaN()), "NaN");
}

TEST(MetricsFormatTest, FormattedTextParsesBackToTheSameDouble) {
  for (double value : {1.0 / 3.0, 2.0 / 3.0, 1e-300, 5e-324, 1.7976931348623157e308, 0.1 + 0.7,
                       123456789.123456789, -9.87654321e-5}) {
    const std::string text = FormatPrometheusValue(value);
    EXPECT_EQ(std::strtod(text.c_str(), nullptr), value) << text;
    EXPECT_LE(text.size(), 24u) << text;
  }
}

TEST(MetricsFormatTest, ModelLabelFollowsTheExistingLabels) {
  Metrics metrics;
  metrics.CountRequest("oip-grpc", "ModelInfer", StatusCode::kOk, "beta");
  metrics.CountRequest("oip-grpc", "ModelInfer", StatusCode::kNotFound);
  metrics.ObserveLatencies(/*queue_us=*/500, /*preprocess_us=*/2500, /*total_us=*/1500, "beta");
  metrics.ObserveBatch(/*batch_size=*/2, /*inference_us=*/250000, "beta");
  const std::string text = metrics.RenderPrometheus();

  EXPECT_NE(text.find("vit_requests_total{protocol=\"oip-grpc\",method=\"ModelInfer\",code="
                      "\"OK\",model=\"beta\"} 1\n"),
            std::string::npos)
      << text;
  // No model resolved: no model label.
  EXPECT_NE(text.find("vit_requests_total{protocol=\"oip-grpc\",method=\"ModelInfer\",code="
                      "\"NOT_FOUND\"} 1\n"),
            std::string::npos);
  EXPECT_EQ(SampleValue(text, "vit_request_latency_seconds_sum{model=\"beta\"}"), "0.0015");
  EXPECT_EQ(SampleValue(text, "vit_inference_latency_seconds_count{model=\"beta\"}"), "1");
  EXPECT_EQ(SampleValue(text, "vit_batch_size_sum{model=\"beta\"}"), "2");
  EXPECT_NE(text.find("vit_queue_latency_seconds_bucket{model=\"beta\",le=\"0.0005\"} 1\n"),
            std::string::npos);
  // The unlabeled series (calls of no model) stay, empty.
  EXPECT_EQ(SampleValue(text, "vit_request_latency_seconds_count"), "0");
}

}  // namespace
}  // namespace vit::server
