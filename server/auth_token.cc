#include "server/auth_token.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "common/text.h"

namespace vit::server {
namespace {

// gRPC metadata values are printable ASCII; "Bearer TOKEN" is split on space.
bool IsValidToken(const std::string& token) {
  for (unsigned char c : token)
    if (c <= 0x20 || c >= 0x7f) return false;
  return true;
}

}  // namespace

StatusOr<std::string> LoadAuthToken(const std::string& token_file) {
  std::string token;
  std::string source;
  if (!token_file.empty()) {
    std::ifstream file(token_file, std::ios::binary);
    if (!file) return InvalidArgumentError("--auth-token-file: cannot read " + token_file);
    std::ostringstream contents;
    contents << file.rdbuf();
    token = TrimWhitespace(contents.str());
    source = "--auth-token-file " + token_file;
    if (token.empty()) return InvalidArgumentError(source + " holds no token");
  } else if (const char* env = std::getenv(kAuthTokenEnv)) {
    token = TrimWhitespace(env);
    source = std::string("$") + kAuthTokenEnv;
  }
  if (!IsValidToken(token)) {
    return InvalidArgumentError(source + ": the token must be printable ASCII without spaces");
  }
  return token;
}

}  // namespace vit::server
