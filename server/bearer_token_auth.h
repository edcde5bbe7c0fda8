// Bearer-token authentication of one call: its "authorization" gRPC
// metadata or HTTP header must be "Bearer TOKEN", compared in constant time.
#pragma once

#include <grpcpp/grpcpp.h>

#include <string>
#include <string_view>

#include "common/status.h"

namespace vit::server {

class BearerTokenAuth {
 public:
  /// `token` empty = authentication off (every call passes).
  explicit BearerTokenAuth(const std::string& token);

  bool enabled() const { return enabled_; }
  /// OK, or UNAUTHENTICATED saying whether the token is missing or wrong
  /// (never echoing what was sent).
  grpc::Status Check(const grpc::ServerContextBase& context) const;
  /// The same for any transport: `value` is the "authorization" value (an
  /// HTTP header), null when absent; `carrier` names it in the message
  /// ("metadata", "header"). UNAUTHENTICATED on failure.
  Status CheckAuthorization(const std::string_view* value, const char* carrier) const;

 private:
  bool enabled_ = false;
  std::string token_digest_;  // SHA-256 of the token
};

}  // namespace vit::server
