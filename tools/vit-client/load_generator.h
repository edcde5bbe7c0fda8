// vit-client load: closed-loop load from N concurrent callers, reporting
// throughput, latency percentiles and errors by status code.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "tools/vit-client/client_commands.h"

namespace vit::client {

struct LoadOptions {
  /// Concurrent callers, each with one request outstanding. Default 8.
  int concurrency = 8;
  /// Run time in seconds when `count` is 0. Default 10.
  double duration_s = 10.0;
  /// Total requests; 0 = run for `duration_s`. Default 0.
  int64_t count = 0;
  /// gRPC connections the callers share; 0 = min(concurrency, 4). Default 0.
  int connections = 0;
  /// Predictions asked per request. Default 1.
  int top_k = 1;
  /// Print one JSON object instead of text. Default false.
  bool json = false;
};

struct LoadReport {
  int64_t requests = 0;
  int64_t ok = 0;
  std::map<std::string, int64_t> errors;  // status code name -> count
  double elapsed_s = 0.0;
  double throughput = 0.0;                                        // OK responses per second
  double p50_ms = 0.0, p90_ms = 0.0, p99_ms = 0.0, max_ms = 0.0;  // over OK responses
};

/// Sends the images round-robin and measures; `images` holds encoded bytes.
LoadReport GenerateLoad(const ConnectionOptions& connection, const LoadOptions& options,
                        const std::vector<std::string>& images);

/// Reads `files`, runs GenerateLoad and prints the report; 0 when every
/// request succeeded, 2 otherwise (1 when a file cannot be read).
int RunLoad(const ConnectionOptions& connection, const LoadOptions& options,
            const std::vector<std::string>& files);

}  // namespace vit::client
