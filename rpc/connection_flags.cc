#include "rpc/connection_flags.h"

#include <CLI/CLI.hpp>

#include "common/file_util.h"

namespace vit::rpc {

void AddConnectionFlags(CLI::App* app, ConnectionOptions* options) {
  app->add_option("--server", options->server, "vit-server HOST:PORT")
      ->envname("VIT_SERVER")
      ->group(kConnectionFlagsGroup)
      ->capture_default_str();
  app->add_option("--timeout-ms", options->timeout_ms, "Per-call deadline; 0 = none")
      ->check(CLI::NonNegativeNumber)
      ->group(kConnectionFlagsGroup)
      ->capture_default_str();
  app->add_flag("--tls", options->tls, "Use TLS (implied by --tls-ca and --tls-cert)")
      ->group(kConnectionFlagsGroup);
  app->add_option("--tls-ca", options->tls_ca,
                  "PEM root certificates that sign the server's certificate; empty = system roots")
      ->envname("VIT_TLS_CA")
      ->group(kConnectionFlagsGroup);
  app->add_option("--tls-cert", options->tls_cert,
                  "PEM client certificate chain, for servers that require mutual TLS")
      ->envname("VIT_TLS_CLIENT_CERT")
      ->group(kConnectionFlagsGroup);
  app->add_option("--tls-key", options->tls_key, "PEM private key of --tls-cert")
      ->envname("VIT_TLS_CLIENT_KEY")
      ->group(kConnectionFlagsGroup);
  app->add_option("--token-file", options->token_file,
                  std::string("File holding the bearer token sent as 'authorization: Bearer "
                              "TOKEN'; empty = env ") +
                      kAuthTokenEnv + "; neither = no token")
      ->envname("VIT_AUTH_TOKEN_FILE")
      ->group(kConnectionFlagsGroup);
}

}  // namespace vit::rpc
