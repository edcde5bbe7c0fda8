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

Status BearerTokenAuth::CheckAuthorization(const std::string_view* value,
                                           const char* carrier) const {
  if (!enabled_) return Status::Ok();
  if (value == nullptr) {
    return UnauthenticatedError(std::string("missing 'authorization: Bearer TOKEN' ") + carrier);
  }
  if (value->substr(0, kScheme.size()) != kScheme) {
    return UnauthenticatedError(std::string("the 'authorization' ") + carrier +
                                " must be 'Bearer TOKEN'");
  }
  const std::string digest = Sha256(value->substr(kScheme.size()));
  if (CRYPTO_memcmp(digest.data(), token_digest_.data(), digest.size()) != 0)
    return UnauthenticatedError("invalid bearer token");
  return Status::Ok();
}

grpc::Status BearerTokenAuth::Check(const grpc::ServerContextBase& context) const {
  if (!enabled_) return grpc::Status::OK;
  const auto& metadata = context.client_metadata();
  const auto found = metadata.find("authorization");
  std::string_view value;
  if (found != metadata.end()) value = std::string_view(found->second.data(), found->second.size());
  const Status status = CheckAuthorization(found != metadata.end() ? &value : nullptr, "metadata");
  if (status.ok()) return grpc::Status::OK;
  return grpc::Status(grpc::StatusCode::UNAUTHENTICATED, status.message());
}

}  // namespace vit::server
