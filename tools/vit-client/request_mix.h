// vit-client load --mix: the kinds of request a soak test sends, their
// weights, their payloads, and the status codes each may rightly get.
#pragma once

#include <grpcpp/grpcpp.h>

#include <array>
#include <cstdint>
#include <random>
#include <string>

#include "common/status.h"
#include "rpc/status_mapping.h"

namespace vit::client {

enum class RequestKind {
  kValid,          // an image from the files given
  kCorrupt,        // random bytes, a PNG signature + random bytes, or nothing
  kOversized,      // a PNG whose header declares more pixels than the server allows
  kTightDeadline,  // a valid image with a deadline of a few milliseconds
  kCancel,         // a valid image, cancelled by the client shortly after sending
};
inline constexpr int kNumRequestKinds = 5;

/// "valid", "corrupt", "oversized", "deadline", "cancel".
const char* RequestKindName(RequestKind kind);

// The soak reports name codes with it (defined with the status mapping).
using rpc::GrpcCodeName;

struct RequestMix {
  std::array<int, kNumRequestKinds> weights{};  // indexed by RequestKind
  int total = 0;

  bool Has(RequestKind kind) const { return weights[static_cast<int>(kind)] > 0; }
  /// A kind drawn with probability weight / total.
  RequestKind Pick(std::mt19937_64* rng) const;
};

/// Parses "valid=80,corrupt=5,oversized=5,deadline=5,cancel=5" (kinds left
/// out weigh 0). INVALID_ARGUMENT for an unknown kind, a weight that is not
/// a non-negative integer, or all weights 0.
StatusOr<RequestMix> ParseRequestMix(const std::string& spec);

/// Whether `code` is a right answer to a request of `kind`. Every kind may be
/// RESOURCE_EXHAUSTED (the server is full and says so at once); otherwise
/// valid: OK; corrupt, oversized: INVALID_ARGUMENT; deadline: OK or
/// DEADLINE_EXCEEDED; cancel: CANCELLED or OK (it finished first).
bool IsExpectedCode(RequestKind kind, grpc::StatusCode code);

/// Bytes that are not a decodable image (one of three shapes, by `rng`).
std::string MakeCorruptImage(std::mt19937_64* rng);

/// A real PNG of side x side gray pixels (small: it compresses to almost
/// nothing), to be refused from its header by a server whose --max-pixels is
/// below side * side.
StatusOr<std::string> MakeOversizedPng(int side);

}  // namespace vit::client
