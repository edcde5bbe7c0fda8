#include "server/http/http_server_options.h"

#include <cstdint>
#include <limits>

namespace vit::server::http {

Status ValidateHttpServerOptions(const HttpServerOptions& options) {
  if (options.port < 0 || options.port > 65535) {
    return InvalidArgumentError("http port must be 0..65535, got " + std::to_string(options.port));
  }
  if (options.io_threads < 1) {
    return InvalidArgumentError("http io_threads must be at least 1, got " +
                                std::to_string(options.io_threads));
  }
  if (options.max_connections < 1) {
    return InvalidArgumentError("http max_connections must be at least 1, got " +
                                std::to_string(options.max_connections));
  }
  // Beast's parser takes a 32-bit header limit.
  if (options.max_header_bytes < 256 ||
      options.max_header_bytes > std::numeric_limits<std::uint32_t>::max()) {
    return InvalidArgumentError("http max_header_bytes must be 256..4294967295, got " +
                                std::to_string(options.max_header_bytes));
  }
  using std::chrono::milliseconds;
  for (const auto& [name, value] : {std::pair{"idle_timeout", options.idle_timeout},
                                    {"read_timeout", options.read_timeout},
                                    {"write_timeout", options.write_timeout}}) {
    if (value <= milliseconds(0)) {
      return InvalidArgumentError(std::string("http ") + name + " must be positive, got " +
                                  std::to_string(value.count()) + " ms");
    }
  }
  if (options.drain_timeout < milliseconds(0)) {
    return InvalidArgumentError("http drain_timeout must not be negative");
  }
  if (options.tls_cert_file.empty() != options.tls_key_file.empty()) {
    return InvalidArgumentError(
        "HTTPS needs both a certificate and a private key file; got only the " +
        std::string(options.tls_cert_file.empty() ? "key" : "certificate"));
  }
  return Status::Ok();
}

}  // namespace vit::server::http
