// The OpenSSL server context of an HTTPS port.
#pragma once

#include <boost/asio/ssl/context.hpp>
#include <memory>
#include <string>

#include "common/status.h"

namespace vit::server::http {

/// TLS 1.2 or later with PEM `cert_file` (the chain, leaf first) and
/// `key_file`. INVALID_ARGUMENT naming the file that cannot be read, or
/// saying the key does not match the certificate.
StatusOr<std::shared_ptr<boost::asio::ssl::context>> MakeTlsServerContext(
    const std::string& cert_file, const std::string& key_file);

}  // namespace vit::server::http
