#include "tools/vit-client/load_generator.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "vit/v1/vit.grpc.pb.h"

namespace vit::client {
namespace {

using SteadyClock = std::chrono::steady_clock;

const char* CodeName(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::CANCELLED:
      return "CANCELLED";
    case grpc::StatusCode::INVALID_ARGUMENT:
      return "INVALID_ARGUMENT";
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return "DEADLINE_EXCEEDED";
    case grpc::StatusCode::NOT_FOUND:
      return "NOT_FOUND";
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return "RESOURCE_EXHAUSTED";
    case grpc::StatusCode::UNAVAILABLE:
      return "UNAVAILABLE";
    case grpc::StatusCode::INTERNAL:
      return "INTERNAL";
    default:
      return "OTHER";
  }
}

double Percentile(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return 0.0;
  const size_t index = static_cast<size_t>(std::ceil(q * sorted.size())) - 1;
  return sorted[std::min(index, sorted.size() - 1)];
}

// Everything the callers share; each caller adds its own results at the end.
struct Shared {
  std::atomic<int64_t> next{0};
  SteadyClock::time_point end;
  std::mutex mu;  // guards latencies_ms and report
  std::vector<double> latencies_ms;
  LoadReport report;
};

void Caller(const ConnectionOptions& connection, const LoadOptions& options,
            const std::vector<std::string>& images, std::shared_ptr<grpc::Channel> channel,
            Shared* shared) {
  auto stub = v1::VitService::NewStub(channel);
  std::vector<double> latencies;
  std::map<std::string, int64_t> errors;
  int64_t requests = 0;
  v1::ClassifyRequest request;
  request.set_top_k(options.top_k);
  while (true) {
    const int64_t index = shared->next.fetch_add(1);
    if (options.count > 0 ? index >= options.count : SteadyClock::now() >= shared->end) break;
    request.set_image(images[index % images.size()]);
    grpc::ClientContext context;
    ApplyTimeout(connection, &context);
    v1::ClassifyResponse response;
    const auto start = SteadyClock::now();
    const grpc::Status status = stub->Classify(&context, request, &response);
    const double ms = std::chrono::duration<double, std::milli>(SteadyClock::now() - start).count();
    ++requests;
    if (status.ok()) {
      latencies.push_back(ms);
    } else {
      ++errors[CodeName(status.error_code())];
    }
  }
  std::lock_guard<std::mutex> lock(shared->mu);
  shared->latencies_ms.insert(shared->latencies_ms.end(), latencies.begin(), latencies.end());
  shared->report.requests += requests;
  for (const auto& [code, n] : errors) shared->report.errors[code] += n;
}

void PrintReport(const LoadOptions& options, const LoadReport& r) {
  if (options.json) {
    nlohmann::json out = {
        {"concurrency", options.concurrency},
        {"requests", r.requests},
        {"ok", r.ok},
        {"errors", r.errors},
        {"elapsed_s", r.elapsed_s},
        {"throughput_per_s", r.throughput},
        {"latency_ms",
         {{"p50", r.p50_ms}, {"p90", r.p90_ms}, {"p99", r.p99_ms}, {"max", r.max_ms}}}};
    std::cout << out.dump(2) << "\n";
    return;
  }
  std::printf("requests   %lld in %.2f s with concurrency %d\n", static_cast<long long>(r.requests),
              r.elapsed_s, options.concurrency);
  std::printf("ok         %lld (%.1f images/s)\n", static_cast<long long>(r.ok), r.throughput);
  std::printf("latency    p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f ms\n", r.p50_ms, r.p90_ms,
              r.p99_ms, r.max_ms);
  for (const auto& [code, n] : r.errors)
    std::printf("errors     %s: %lld\n", code.c_str(), static_cast<long long>(n));
}

}  // namespace

LoadReport GenerateLoad(const ConnectionOptions& connection, const LoadOptions& options,
                        const std::vector<std::string>& images) {
  const int concurrency = std::max(1, options.concurrency);
  const int connections = options.connections > 0 ? options.connections : std::min(concurrency, 4);
  std::vector<std::shared_ptr<grpc::Channel>> channels;
  for (int i = 0; i < connections; ++i) channels.push_back(Connect(connection, i));
  Shared shared;
  const auto start = SteadyClock::now();
  shared.end = start + std::chrono::duration_cast<SteadyClock::duration>(
                           std::chrono::duration<double>(options.duration_s));
  std::vector<std::thread> callers;
  for (int i = 0; i < concurrency; ++i) {
    callers.emplace_back(Caller, std::cref(connection), std::cref(options), std::cref(images),
                         channels[i % connections], &shared);
  }
  for (auto& caller : callers) caller.join();
  LoadReport report = shared.report;
  report.elapsed_s = std::chrono::duration<double>(SteadyClock::now() - start).count();
  std::sort(shared.latencies_ms.begin(), shared.latencies_ms.end());
  report.ok = static_cast<int64_t>(shared.latencies_ms.size());
  report.throughput = report.elapsed_s > 0 ? report.ok / report.elapsed_s : 0.0;
  report.p50_ms = Percentile(shared.latencies_ms, 0.50);
  report.p90_ms = Percentile(shared.latencies_ms, 0.90);
  report.p99_ms = Percentile(shared.latencies_ms, 0.99);
  report.max_ms = shared.latencies_ms.empty() ? 0.0 : shared.latencies_ms.back();
  return report;
}

int RunLoad(const ConnectionOptions& connection, const LoadOptions& options,
            const std::vector<std::string>& files) {
  std::vector<std::string> images(files.size());
  for (size_t i = 0; i < files.size(); ++i) {
    if (!ReadFileBytes(files[i], &images[i])) {
      std::cerr << files[i] << ": cannot read\n";
      return 1;
    }
  }
  const LoadReport report = GenerateLoad(connection, options, images);
  PrintReport(options, report);
  return report.errors.empty() && report.ok > 0 ? 0 : 2;
}

}  // namespace vit::client
