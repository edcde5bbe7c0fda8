// Options of the server's front doors (vit.v1 gRPC, the Open Inference
// Protocol over gRPC and HTTP): limits, defaults and the bearer token, the
// same for every protocol.
#pragma once

#include <cstdint>
#include <string>

namespace vit::server {

struct ServiceOptions {
  /// Predictions returned when a request's top_k is 0. Default 5.
  int default_top_k = 5;
  /// Requests one ClassifyStream may have in flight before the server stops
  /// reading from it (flow control). Default 64.
  int max_stream_in_flight = 64;
  /// Requests accepted and not yet answered, over all calls; more are
  /// RESOURCE_EXHAUSTED at once. 0 = unbounded. Default 512.
  int max_in_flight_requests = 512;
  /// ClassifyStream calls open at once; more are RESOURCE_EXHAUSTED at once.
  /// 0 = unbounded. Default 64.
  int max_streams = 64;
  /// Deadline (ms from arrival) of a request whose call has none; 0 = none.
  /// Default 60000.
  int64_t default_deadline_ms = 60000;
  /// Bearer token every RPC of this service must carry; "" = none. The
  /// health and reflection services are not this service: they stay open.
  /// Default "".
  std::string auth_token;
};

}  // namespace vit::server
