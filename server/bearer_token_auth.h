// Bearer-token authentication of one RPC: the call's "authorization"
// metadata must be "Bearer TOKEN", compared in constant time.
#pragma once

#include <grpcpp/grpcpp.h>

#include <string>

namespace vit::server {

class BearerTokenAuth {
 public:
  /// `token` empty = authentication off (every call passes).
  explicit BearerTokenAuth(const std::string& token);

  bool enabled() const { return enabled_; }
  /// OK, or UNAUTHENTICATED saying whether the token is missing or wrong
  /// (never echoing what was sent).
  grpc::Status Check(const grpc::ServerContextBase& context) const;

 private:
  bool enabled_ = false;
  std::string token_digest_;  // SHA-256 of the token
};

}  // namespace vit::server
