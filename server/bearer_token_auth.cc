#include "server/bearer_token_auth.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <string_view>

namespace vit::server {
namespace {

constexpr std::string_view kScheme = "Bearer ";

// Comparing fixed-size digests keeps the time independent of the token's
// length as well as of its contents.
std::string Sha256(std::string_view text) {
  std::string digest(SHA256_DIGEST_LENGTH, '\0');
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(),
         reinterpret_cast<unsigned char*>(digest.data()));
  return digest;
}

}  // namespace

BearerTokenAuth::BearerTokenAuth(const std::string& token)
    : enabled_(!token.empty()), token_digest_(Sha256(token)) {}

grpc::Status BearerTokenAuth::Check(const grpc::ServerContextBase& context) const {
  if (!enabled_) return grpc::Status::OK;
  const auto& metadata = context.client_metadata();
  const auto found = metadata.find("authorization");
  if (found == metadata.end()) {
    return grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                        "missing 'authorization: Bearer TOKEN' metadata");
  }
  const std::string_view value(found->second.data(), found->second.size());
  if (value.substr(0, kScheme.size()) != kScheme) {
    return grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                        "the 'authorization' metadata must be 'Bearer TOKEN'");
  }
  const std::string digest = Sha256(value.substr(kScheme.size()));
  if (CRYPTO_memcmp(digest.data(), token_digest_.data(), digest.size()) != 0)
    return grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "invalid bearer token");
  return grpc::Status::OK;
}

}  // namespace vit::server
