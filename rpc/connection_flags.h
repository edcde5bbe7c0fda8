// The command-line flags of a vit-server connection, shared by vit-client and
// vit-score: one name, one environment variable and one help text per
// ConnectionOptions field, its default the struct's.
#pragma once

#include "rpc/channel.h"

namespace CLI {
class App;
}

namespace vit::rpc {

/// Help group of the flags below.
inline constexpr const char* kConnectionFlagsGroup = "Connection";

/// --server (env VIT_SERVER), --timeout-ms, --tls, --tls-ca (VIT_TLS_CA),
/// --tls-cert (VIT_TLS_CLIENT_CERT), --tls-key (VIT_TLS_CLIENT_KEY) and
/// --token-file (VIT_AUTH_TOKEN_FILE; without it $VIT_AUTH_TOKEN is read by
/// LoadConnectionFiles), in the help group kConnectionFlagsGroup.
void AddConnectionFlags(CLI::App* app, ConnectionOptions* options);

}  // namespace vit::rpc
