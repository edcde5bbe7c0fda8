// The listening socket: accepts connections and starts an HttpConnection for
// each (plain or TLS), or turns it away when the server is full.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <memory>

#include "common/status.h"
#include "server/http/server_state.h"

namespace vit::server::http {

class HttpListener : public std::enable_shared_from_this<HttpListener> {
 public:
  /// Binds server->options.host:port and listens. UNAVAILABLE naming the
  /// address when that fails.
  static StatusOr<std::shared_ptr<HttpListener>> Bind(boost::asio::io_context& io,
                                                      std::shared_ptr<const ServerState> server);

  int port() const { return port_; }
  /// Starts accepting, on the event loop.
  void Start();
  /// Stops accepting (posted to the listener's strand); idempotent.
  void Close();

 private:
  HttpListener(boost::asio::io_context& io, std::shared_ptr<const ServerState> server);
  void Accept();
  void OnAccept(const boost::system::error_code& error, boost::asio::ip::tcp::socket socket);

  boost::asio::io_context& io_;
  const std::shared_ptr<const ServerState> server_;
  boost::asio::ip::tcp::acceptor acceptor_;  // on its own strand
  boost::asio::steady_timer retry_timer_;    // after a failed accept (out of descriptors)
  int port_ = 0;
};

}  // namespace vit::server::http
