// Reading small files (certificates, tokens, configs) into memory.
#pragma once

#include <string>

#include "common/status.h"

namespace vit {

/// The whole file. NOT_FOUND "cannot read PATH" when it cannot be opened.
StatusOr<std::string> ReadFileToString(const std::string& path);

/// Environment variable holding the bearer token when no token file is named.
inline constexpr const char* kAuthTokenEnv = "VIT_AUTH_TOKEN";

/// The bearer token from `token_file` (surrounding white space trimmed), else
/// from $VIT_AUTH_TOKEN, else "" (no authentication). `flag` names the option
/// in errors ("--auth-token-file", "--token-file"). INVALID_ARGUMENT when the
/// file cannot be read or holds no token, or the token is not printable ASCII
/// without spaces (gRPC metadata and HTTP headers could not carry it).
StatusOr<std::string> LoadBearerToken(const std::string& token_file, const std::string& flag);

}  // namespace vit
