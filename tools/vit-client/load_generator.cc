#include "tools/vit-client/load_generator.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <future>
#include <iostream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>

#include "tools/vit-client/request_mix.h"
#include "vit/v1/vit.grpc.pb.h"

namespace vit::client {
namespace {

using SteadyClock = std::chrono::steady_clock;

double Percentile(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return 0.0;
  const size_t index = static_cast<size_t>(std::ceil(q * sorted.size())) - 1;
  return sorted[std::min(index, sorted.size() - 1)];
}

// What every caller sends: the valid images and, with a mix, the rest.
struct Payloads {
  const std::vector<std::string>* images = nullptr;
  RequestMix mix;  // total 0 = valid images only
  std::string oversized_png;
};

// Everything the callers share; each caller adds its own results at the end.
struct Shared {
  std::atomic<int64_t> next{0};
  SteadyClock::time_point end;
  std::mutex mu;  // guards latencies_ms and report
  std::vector<double> latencies_ms;
  LoadReport report;
};

// One Classify on the callback API; with `cancel_after` >= 0 the call is
// cancelled once that much time has passed without an answer.
grpc::Status CallClassify(v1::VitService::Stub* stub, grpc::ClientContext* context,
                          const v1::ClassifyRequest& request, v1::ClassifyResponse* response,
                          std::chrono::microseconds cancel_after) {
  // Shared with the callback, which may still be inside set_value() when
  // this thread wakes up and returns.
  auto promise = std::make_shared<std::promise<grpc::Status>>();
  std::future<grpc::Status> answer = promise->get_future();
  stub->async()->Classify(context, &request, response, [promise](grpc::Status status) {
    promise->set_value(std::move(status));
  });
  if (cancel_after.count() >= 0 && answer.wait_for(cancel_after) != std::future_status::ready)
    context->TryCancel();
  return answer.get();
}

void Caller(const ConnectionOptions& connection, const LoadOptions& options,
            const Payloads& payloads, std::shared_ptr<grpc::Channel> channel, uint64_t seed,
            Shared* shared) {
  auto stub = v1::VitService::NewStub(channel);
  std::mt19937_64 rng(seed);
  const std::vector<std::string>& images = *payloads.images;
  const bool mixed = payloads.mix.total > 0;
  std::vector<double> latencies;
  std::map<std::string, int64_t> errors;
  std::map<std::string, KindReport> kinds;
  int64_t requests = 0;
  v1::ClassifyRequest request;
  request.set_top_k(options.top_k);
  while (true) {
    const int64_t index = shared->next.fetch_add(1);
    if (options.count > 0 ? index >= options.count : SteadyClock::now() >= shared->end) break;
    const RequestKind kind = mixed ? payloads.mix.Pick(&rng) : RequestKind::kValid;
    if (kind == RequestKind::kCorrupt)
      request.set_image(MakeCorruptImage(&rng));
    else if (kind == RequestKind::kOversized)
      request.set_image(payloads.oversized_png);
    else
      request.set_image(images[index % images.size()]);
    grpc::ClientContext context;
    PrepareContext(connection, &context);
    if (kind == RequestKind::kTightDeadline) {
      const int ms = 1 + static_cast<int>(rng() % std::max(1, options.tight_deadline_ms));
      context.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(ms));
    }
    std::chrono::microseconds cancel_after(-1);
    if (kind == RequestKind::kCancel) {
      cancel_after = std::chrono::microseconds(
          rng() % (static_cast<uint64_t>(std::max(0, options.cancel_after_ms)) * 1000 + 1));
    }
    v1::ClassifyResponse response;
    const auto start = SteadyClock::now();
    const grpc::Status status =
        CallClassify(stub.get(), &context, request, &response, cancel_after);
    const double ms = std::chrono::duration<double, std::milli>(SteadyClock::now() - start).count();
    ++requests;
    const grpc::StatusCode code = status.error_code();
    if (kind == RequestKind::kValid && status.ok()) {
      latencies.push_back(ms);
    } else if (!status.ok()) {
      ++errors[GrpcCodeName(code)];
    }
    if (code == grpc::StatusCode::RESOURCE_EXHAUSTED && options.backoff_ms > 0)
      std::this_thread::sleep_for(std::chrono::milliseconds(options.backoff_ms));
    if (!mixed) continue;
    KindReport& report = kinds[RequestKindName(kind)];
    ++report.sent;
    ++report.codes[GrpcCodeName(code)];
    // Only "deadline" requests have a deadline short enough to pass
    // legitimately; for the others it means no answer came in --timeout-ms.
    if (code == grpc::StatusCode::DEADLINE_EXCEEDED && kind != RequestKind::kTightDeadline)
      continue;
    ++report.answered;
    if (!IsExpectedCode(kind, code)) ++report.wrong;
  }
  std::lock_guard<std::mutex> lock(shared->mu);
  shared->latencies_ms.insert(shared->latencies_ms.end(), latencies.begin(), latencies.end());
  shared->report.requests += requests;
  for (const auto& [code, n] : errors) shared->report.errors[code] += n;
  for (const auto& [name, kind] : kinds) {
    KindReport& total = shared->report.kinds[name];
    total.sent += kind.sent;
    total.answered += kind.answered;
    total.wrong += kind.wrong;
    for (const auto& [code, n] : kind.codes) total.codes[code] += n;
  }
}

nlohmann::json KindsJson(const LoadReport& r) {
  nlohmann::json kinds = nlohmann::json::object();
  for (const auto& [name, k] : r.kinds) {
    kinds[name] = {
        {"sent", k.sent}, {"answered", k.answered}, {"wrong", k.wrong}, {"codes", k.codes}};
  }
  return kinds;
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
    if (!options.mix.empty()) {
      out["mix"] = options.mix;
      out["kinds"] = KindsJson(r);
      out["lost"] = r.lost;
      out["wrong"] = r.wrong;
    }
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
  if (options.mix.empty()) return;
  std::printf("%-10s %8s %8s %6s  codes\n", "kind", "sent", "answered", "wrong");
  for (const auto& [name, k] : r.kinds) {
    std::string codes;
    for (const auto& [code, n] : k.codes) codes += " " + code + "=" + std::to_string(n);
    std::printf("%-10s %8lld %8lld %6lld %s\n", name.c_str(), static_cast<long long>(k.sent),
                static_cast<long long>(k.answered), static_cast<long long>(k.wrong), codes.c_str());
  }
  std::printf("lost       %lld\nwrong      %lld\n", static_cast<long long>(r.lost),
              static_cast<long long>(r.wrong));
}

}  // namespace

StatusOr<LoadReport> GenerateLoad(const ConnectionOptions& connection, const LoadOptions& options,
                                  const std::vector<std::string>& images) {
  Payloads payloads;
  payloads.images = &images;
  if (!options.mix.empty()) {
    StatusOr<RequestMix> mix = ParseRequestMix(options.mix);
    if (!mix.ok()) return mix.status();
    payloads.mix = *mix;
    if (payloads.mix.Has(RequestKind::kOversized)) {
      StatusOr<std::string> png = MakeOversizedPng(options.oversized_side);
      if (!png.ok()) return png.status();
      payloads.oversized_png = std::move(png).value();
    }
  }
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
    callers.emplace_back(Caller, std::cref(connection), std::cref(options), std::cref(payloads),
                         channels[i % connections], options.seed * 1000003 + i, &shared);
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
  for (const auto& [name, kind] : report.kinds) {
    report.lost += kind.sent - kind.answered;
    report.wrong += kind.wrong;
  }
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
  const StatusOr<LoadReport> report = GenerateLoad(connection, options, images);
  if (!report.ok()) {
    std::cerr << report.status().message() << "\n";
    return 1;
  }
  PrintReport(options, *report);
  if (!options.mix.empty()) return report->lost == 0 && report->wrong == 0 ? 0 : 2;
  return report->errors.empty() && report->ok > 0 ? 0 : 2;
}

}  // namespace vit::client
