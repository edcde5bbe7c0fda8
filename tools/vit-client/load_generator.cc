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

#include "common/file_util.h"
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

// One caller's counts, merged into Shared when it is done.
struct CallerTally {
  int64_t requests = 0;
  std::vector<double> latencies_ms;       // OK answers to valid requests
  std::map<std::string, int64_t> errors;  // status code name -> count
  std::map<std::string, KindReport> kinds;
};

// Puts the image that a `kind` request carries into `request`.
void SetPayload(RequestKind kind, const Payloads& payloads, int64_t index, std::mt19937_64* rng,
                v1::ClassifyRequest* request) {
  if (kind == RequestKind::kCorrupt) {
    request->set_image(MakeCorruptImage(rng));
  } else if (kind == RequestKind::kOversized) {
    request->set_image(payloads.oversized_png);
  } else {
    const std::vector<std::string>& images = *payloads.images;
    request->set_image(images[index % images.size()]);
  }
}

// A "deadline" request's short deadline; returns when a "cancel" request is
// cancelled (-1: never).
std::chrono::microseconds PrepareKind(RequestKind kind, const LoadOptions& options,
                                      std::mt19937_64* rng, grpc::ClientContext* context) {
  if (kind == RequestKind::kTightDeadline) {
    const int ms = 1 + static_cast<int>((*rng)() % std::max(1, options.tight_deadline_ms));
    context->set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(ms));
  }
  if (kind != RequestKind::kCancel) return std::chrono::microseconds(-1);
  return std::chrono::microseconds(
      (*rng)() % (static_cast<uint64_t>(std::max(0, options.cancel_after_ms)) * 1000 + 1));
}

// Counts one answer per kind, with --mix.
void TallyKind(RequestKind kind, grpc::StatusCode code, CallerTally* tally) {
  KindReport& report = tally->kinds[RequestKindName(kind)];
  ++report.sent;
  ++report.codes[GrpcCodeName(code)];
  // Only "deadline" requests have a deadline short enough to pass
  // legitimately; for the others it means no answer came in --timeout-ms.
  if (code == grpc::StatusCode::DEADLINE_EXCEEDED && kind != RequestKind::kTightDeadline) return;
  ++report.answered;
  if (!IsExpectedCode(kind, code)) ++report.wrong;
}

void MergeTally(const CallerTally& tally, Shared* shared) {
  std::lock_guard<std::mutex> lock(shared->mu);
  shared->latencies_ms.insert(shared->latencies_ms.end(), tally.latencies_ms.begin(),
                              tally.latencies_ms.end());
  shared->report.requests += tally.requests;
  for (const auto& [code, n] : tally.errors) shared->report.errors[code] += n;
  for (const auto& [name, kind] : tally.kinds) {
    KindReport& total = shared->report.kinds[name];
    total.sent += kind.sent;
    total.answered += kind.answered;
    total.wrong += kind.wrong;
    for (const auto& [code, n] : kind.codes) total.codes[code] += n;
  }
}

// A caller without --mix: valid images through its own front door, timed
// around the door's blocking Classify (the same measurement for every
// protocol).
void DoorCaller(std::unique_ptr<FrontDoor> door, const LoadOptions& options,
                const Payloads& payloads, Shared* shared) {
  CallerTally tally;
  const std::vector<std::string>& images = *payloads.images;
  ClassifyResult result;
  while (true) {
    const int64_t index = shared->next.fetch_add(1);
    if (options.count > 0 ? index >= options.count : SteadyClock::now() >= shared->end) break;
    const auto start = SteadyClock::now();
    const grpc::Status status =
        door->Classify(images[index % images.size()], options.top_k, &result);
    const double ms = std::chrono::duration<double, std::milli>(SteadyClock::now() - start).count();
    ++tally.requests;
    const grpc::StatusCode code = status.error_code();
    if (status.ok()) {
      tally.latencies_ms.push_back(ms);
    } else {
      ++tally.errors[GrpcCodeName(code)];
    }
    const bool full =
        code == grpc::StatusCode::RESOURCE_EXHAUSTED || code == grpc::StatusCode::UNAVAILABLE;
    if (full && options.backoff_ms > 0)
      std::this_thread::sleep_for(std::chrono::milliseconds(options.backoff_ms));
  }
  MergeTally(tally, shared);
}

// A caller with --mix (vit.v1): the kinds of request_mix.h, on the callback
// API so that a "cancel" request can be cancelled mid-flight.
void Caller(const rpc::ConnectionOptions& connection, const LoadOptions& options,
            const Payloads& payloads, std::shared_ptr<grpc::Channel> channel, uint64_t seed,
            Shared* shared) {
  auto stub = v1::VitService::NewStub(channel);
  std::mt19937_64 rng(seed);
  const bool mixed = payloads.mix.total > 0;
  CallerTally tally;
  v1::ClassifyRequest request;
  request.set_top_k(options.top_k);
  while (true) {
    const int64_t index = shared->next.fetch_add(1);
    if (options.count > 0 ? index >= options.count : SteadyClock::now() >= shared->end) break;
    const RequestKind kind = mixed ? payloads.mix.Pick(&rng) : RequestKind::kValid;
    SetPayload(kind, payloads, index, &rng, &request);
    grpc::ClientContext context;
    rpc::PrepareContext(connection, &context);
    const std::chrono::microseconds cancel_after = PrepareKind(kind, options, &rng, &context);
    v1::ClassifyResponse response;
    const auto start = SteadyClock::now();
    const grpc::Status status =
        CallClassify(stub.get(), &context, request, &response, cancel_after);
    const double ms = std::chrono::duration<double, std::milli>(SteadyClock::now() - start).count();
    ++tally.requests;
    const grpc::StatusCode code = status.error_code();
    if (kind == RequestKind::kValid && status.ok()) {
      tally.latencies_ms.push_back(ms);
    } else if (!status.ok()) {
      ++tally.errors[GrpcCodeName(code)];
    }
    if (code == grpc::StatusCode::RESOURCE_EXHAUSTED && options.backoff_ms > 0)
      std::this_thread::sleep_for(std::chrono::milliseconds(options.backoff_ms));
    if (mixed) TallyKind(kind, code, &tally);
  }
  MergeTally(tally, shared);
}

// The callers' merged counts, with the latency percentiles and totals.
LoadReport Summarize(Shared* shared, double elapsed_s) {
  LoadReport report = shared->report;
  report.elapsed_s = elapsed_s;
  std::vector<double>& latencies = shared->latencies_ms;
  std::sort(latencies.begin(), latencies.end());
  report.ok = static_cast<int64_t>(latencies.size());
  report.throughput = report.elapsed_s > 0 ? report.ok / report.elapsed_s : 0.0;
  report.p50_ms = Percentile(latencies, 0.50);
  report.p90_ms = Percentile(latencies, 0.90);
  report.p99_ms = Percentile(latencies, 0.99);
  report.max_ms = latencies.empty() ? 0.0 : latencies.back();
  for (const auto& [name, kind] : report.kinds) {
    report.lost += kind.sent - kind.answered;
    report.wrong += kind.wrong;
  }
  return report;
}

nlohmann::json KindsJson(const LoadReport& r) {
  nlohmann::json kinds = nlohmann::json::object();
  for (const auto& [name, k] : r.kinds) {
    kinds[name] = {
        {"sent", k.sent}, {"answered", k.answered}, {"wrong", k.wrong}, {"codes", k.codes}};
  }
  return kinds;
}

nlohmann::json ReportJson(const FrontDoorOptions& door, const LoadOptions& options,
                          const LoadReport& r) {
  nlohmann::json out = {
      {"protocol", ProtocolName(door.protocol)},
      {"model", door.model},
      {"concurrency", options.concurrency},
      {"requests", r.requests},
      {"ok", r.ok},
      {"errors", r.errors},
      {"elapsed_s", r.elapsed_s},
      {"throughput_per_s", r.throughput},
      {"latency_ms", {{"p50", r.p50_ms}, {"p90", r.p90_ms}, {"p99", r.p99_ms}, {"max", r.max_ms}}}};
  if (!options.mix.empty()) {
    out["mix"] = options.mix;
    out["kinds"] = KindsJson(r);
    out["lost"] = r.lost;
    out["wrong"] = r.wrong;
  }
  return out;
}

// The --mix table: per kind sent, answered, wrong and codes; then lost, wrong.
void PrintKindsTable(const LoadReport& r) {
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

void PrintTextReport(const FrontDoorOptions& door, const LoadOptions& options,
                     const LoadReport& r) {
  std::printf("protocol   %s%s%s\n", ProtocolName(door.protocol),
              door.model.empty() ? "" : ", model ", door.model.c_str());
  std::printf("requests   %lld in %.2f s with concurrency %d\n", static_cast<long long>(r.requests),
              r.elapsed_s, options.concurrency);
  std::printf("ok         %lld (%.1f images/s)\n", static_cast<long long>(r.ok), r.throughput);
  std::printf("latency    p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f ms\n", r.p50_ms, r.p90_ms,
              r.p99_ms, r.max_ms);
  for (const auto& [code, n] : r.errors)
    std::printf("errors     %s: %lld\n", code.c_str(), static_cast<long long>(n));
  if (!options.mix.empty()) PrintKindsTable(r);
}

void PrintReport(const FrontDoorOptions& door, const LoadOptions& options, const LoadReport& r) {
  if (options.json) {
    std::cout << ReportJson(door, options, r).dump(2) << "\n";
  } else {
    PrintTextReport(door, options, r);
  }
}

// The soak's kinds (deadlines, cancellation mid-call) are vit.v1 calls.
Status CheckMixProtocol(const FrontDoorOptions& door, const LoadOptions& options) {
  if (options.mix.empty() || door.protocol == Protocol::kVit) return Status::Ok();
  return InvalidArgumentError(std::string("--mix is vit.v1 only; got --protocol ") +
                              ProtocolName(door.protocol));
}

// One door per caller, over `connections` shared gRPC channels (oip-http:
// each door its own connection), opened before the clock starts.
StatusOr<std::vector<std::unique_ptr<FrontDoor>>> OpenDoors(
    const rpc::ConnectionOptions& connection, const FrontDoorOptions& door, int concurrency,
    int connections) {
  std::vector<std::shared_ptr<grpc::Channel>> channels;
  if (door.protocol != Protocol::kOipHttp) {
    for (int i = 0; i < connections; ++i) channels.push_back(rpc::Connect(connection, i));
  }
  std::vector<std::unique_ptr<FrontDoor>> doors;
  for (int i = 0; i < concurrency; ++i) {
    VIT_ASSIGN_OR_RETURN(
        std::unique_ptr<FrontDoor> opened,
        OpenFrontDoor(door, connection, channels.empty() ? nullptr : channels[i % connections]));
    doors.push_back(std::move(opened));
  }
  return doors;
}

}  // namespace

StatusOr<LoadReport> GenerateLoad(const rpc::ConnectionOptions& connection,
                                  const FrontDoorOptions& door, const LoadOptions& options,
                                  const std::vector<std::string>& images) {
  Payloads payloads;
  payloads.images = &images;
  VIT_RETURN_IF_ERROR(CheckMixProtocol(door, options));
  if (!options.mix.empty()) {
    VIT_ASSIGN_OR_RETURN(payloads.mix, ParseRequestMix(options.mix));
    if (payloads.mix.Has(RequestKind::kOversized)) {
      VIT_ASSIGN_OR_RETURN(payloads.oversized_png, MakeOversizedPng(options.oversized_side));
    }
  }
  const int concurrency = std::max(1, options.concurrency);
  const int connections = options.connections > 0 ? options.connections : std::min(concurrency, 4);
  std::vector<std::shared_ptr<grpc::Channel>> channels;
  std::vector<std::unique_ptr<FrontDoor>> doors;
  if (payloads.mix.total > 0) {
    for (int i = 0; i < connections; ++i) channels.push_back(rpc::Connect(connection, i));
  } else {
    VIT_ASSIGN_OR_RETURN(doors, OpenDoors(connection, door, concurrency, connections));
  }
  Shared shared;
  const auto start = SteadyClock::now();
  shared.end = start + std::chrono::duration_cast<SteadyClock::duration>(
                           std::chrono::duration<double>(options.duration_s));
  std::vector<std::thread> callers;
  for (int i = 0; i < concurrency; ++i) {
    if (doors.empty()) {
      callers.emplace_back(Caller, std::cref(connection), std::cref(options), std::cref(payloads),
                           channels[i % connections], options.seed * 1000003 + i, &shared);
    } else {
      callers.emplace_back(DoorCaller, std::move(doors[i]), std::cref(options), std::cref(payloads),
                           &shared);
    }
  }
  for (auto& caller : callers) caller.join();
  return Summarize(&shared, std::chrono::duration<double>(SteadyClock::now() - start).count());
}

int RunLoad(const rpc::ConnectionOptions& connection, const FrontDoorOptions& door_options,
            const LoadOptions& options, const std::vector<std::string>& files) {
  std::vector<std::string> images;
  for (const std::string& file : files) {
    StatusOr<std::string> image = ReadFileToString(file);
    if (!image.ok()) {
      std::cerr << image.status().message() << "\n";
      return 1;
    }
    images.push_back(std::move(image).value());
  }
  if (Status status = CheckMixProtocol(door_options, options); !status.ok()) {
    std::cerr << status.message() << "\n";
    return 1;
  }
  FrontDoorOptions door = door_options;
  if (grpc::Status status = ResolveModelName(connection, &door); !status.ok()) {
    std::cerr << "error " << status.error_code() << ": " << status.error_message() << "\n";
    return 2;
  }
  const StatusOr<LoadReport> report = GenerateLoad(connection, door, options, images);
  if (!report.ok()) {
    std::cerr << report.status().message() << "\n";
    return 1;
  }
  PrintReport(door, options, *report);
  if (!options.mix.empty()) return report->lost == 0 && report->wrong == 0 ? 0 : 2;
  return report->errors.empty() && report->ok > 0 ? 0 : 2;
}

}  // namespace vit::client
