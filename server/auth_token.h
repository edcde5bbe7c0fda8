// Where vit-server's bearer token comes from: a file or an environment
// variable, never a flag value (which would show in `ps`).
#pragma once

#include <string>

#include "common/status.h"

namespace vit::server {

/// The environment variable read when no token file is named.
inline constexpr const char* kAuthTokenEnv = "VIT_AUTH_TOKEN";

/// The token in `token_file` (surrounding whitespace and newlines trimmed),
/// or, when `token_file` is empty, in $VIT_AUTH_TOKEN; "" = authentication
/// off. INVALID_ARGUMENT when the file cannot be read or holds no token, or
/// the token contains whitespace or control characters.
StatusOr<std::string> LoadAuthToken(const std::string& token_file);

}  // namespace vit::server
