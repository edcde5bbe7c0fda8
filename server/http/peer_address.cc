#include "server/http/peer_address.h"

namespace vit::server::http {

std::string FormatPeer(const boost::asio::ip::tcp::endpoint& endpoint) {
  const boost::asio::ip::address address = endpoint.address();
  const std::string port = std::to_string(endpoint.port());
  if (address.is_v6() && address.to_v6().is_v4_mapped()) {
    return "ipv4:" +
           boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, address.to_v6())
               .to_string() +
           ":" + port;
  }
  if (address.is_v6()) return "ipv6:[" + address.to_string() + "]:" + port;
  return "ipv4:" + address.to_string() + ":" + port;
}

}  // namespace vit::server::http
