// A client's address in gRPC's peer format, so HTTP and gRPC logs read alike.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <string>

namespace vit::server::http {

/// "ipv4:1.2.3.4:5678" or "ipv6:[::1]:5678"; an IPv4-mapped IPv6 address
/// (a dual-stack listener) as the IPv4 one.
std::string FormatPeer(const boost::asio::ip::tcp::endpoint& endpoint);

}  // namespace vit::server::http
