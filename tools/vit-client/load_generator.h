// vit-client load: closed-loop load from N concurrent callers through one
// front door (--protocol: vit.v1, OIP gRPC or OIP HTTP, each caller with its
// own FrontDoor), reporting throughput, latency percentiles and errors by
// status code; with --mix (vit.v1 only), a soak of valid, corrupt, oversized,
// tight-deadline and cancelled requests, checked kind by kind (request_mix.h).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/status.h"
#include "rpc/channel.h"
#include "tools/vit-client/open_front_door.h"

namespace vit::client {

struct LoadOptions {
  /// Concurrent callers, each with one request outstanding. Default 8.
  int concurrency = 8;
  /// Run time in seconds when `count` is 0. Default 10.
  double duration_s = 10.0;
  /// Total requests; 0 = run for `duration_s`. Default 0.
  int64_t count = 0;
  /// gRPC connections the callers share; 0 = min(concurrency, 4). oip-http
  /// ignores it: each caller keeps its own keep-alive connection. Default 0.
  int connections = 0;
  /// Predictions asked per request. Default 1.
  int top_k = 1;
  /// Print one JSON object instead of text. Default false.
  bool json = false;
  /// Request kinds and weights, e.g. "valid=80,corrupt=5,oversized=5,
  /// deadline=5,cancel=5"; empty = valid images only. Default "".
  std::string mix;
  /// Side of the square PNG sent as "oversized"; side^2 must exceed the
  /// server's --max-pixels. Default 8200 (67.2 Mpx, over the server's 64 Mpx).
  int oversized_side = 8200;
  /// "deadline" requests get a deadline drawn from [1, tight_deadline_ms] ms.
  /// Default 5.
  int tight_deadline_ms = 5;
  /// "cancel" requests are cancelled after a delay drawn from
  /// [0, cancel_after_ms] ms. Default 20.
  int cancel_after_ms = 20;
  /// After a RESOURCE_EXHAUSTED answer (and, without --mix, UNAVAILABLE:
  /// HTTP answers a full queue with 503) the caller waits this long before
  /// its next request, as a well-behaved client backs off. Default 10.
  int backoff_ms = 10;
  /// Seed of the kind / payload / delay draws. Default 1.
  uint64_t seed = 1;
};

/// What one kind of request got, with --mix.
struct KindReport {
  int64_t sent = 0;
  /// Calls that ended with an answer: all but those whose generous deadline
  /// (--timeout-ms) passed with none, which count as lost.
  int64_t answered = 0;
  /// Answers with a code the kind should not get (IsExpectedCode).
  int64_t wrong = 0;
  std::map<std::string, int64_t> codes;  // status code name -> count
};

struct LoadReport {
  int64_t requests = 0;
  int64_t ok = 0;
  std::map<std::string, int64_t> errors;  // status code name -> count
  double elapsed_s = 0.0;
  double throughput = 0.0;                                        // OK responses per second
  double p50_ms = 0.0, p90_ms = 0.0, p99_ms = 0.0, max_ms = 0.0;  // over OK responses
  // With --mix only: per kind, and lost = sent - answered over all kinds.
  std::map<std::string, KindReport> kinds;
  int64_t lost = 0;
  int64_t wrong = 0;
};

/// Sends the images round-robin through `door` (its model already resolved
/// for OIP), mixed with other kinds per options.mix, and measures; `images`
/// holds encoded bytes. INVALID_ARGUMENT for a bad --mix or
/// --oversized-side, or --mix with another protocol than vit.
StatusOr<LoadReport> GenerateLoad(const rpc::ConnectionOptions& connection,
                                  const FrontDoorOptions& door, const LoadOptions& options,
                                  const std::vector<std::string>& images);

/// Reads `files`, resolves the OIP model name, runs GenerateLoad and prints
/// the report. 0 when every request succeeded (with --mix: none lost, none
/// with a wrong code), 2 otherwise, 1 for a usage error (a file cannot be
/// read, a bad --mix, --mix with OIP).
int RunLoad(const rpc::ConnectionOptions& connection, const FrontDoorOptions& door,
            const LoadOptions& options, const std::vector<std::string>& files);

}  // namespace vit::client
