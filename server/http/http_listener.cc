#include "server/http/http_listener.h"

#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <chrono>
#include <string>
#include <utility>

#include "server/http/http_connection.h"
#include "server/http/peer_address.h"

namespace vit::server::http {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

// Registers and starts `connection`, or turns it away.
template <class Stream>
void Launch(const std::shared_ptr<HttpConnection<Stream>>& connection,
            ConnectionRegistry& registry) {
  if (std::optional<uint64_t> id = registry.Add(connection)) {
    connection->Start(*id);
  } else {
    connection->Reject();
  }
}

}  // namespace

HttpListener::HttpListener(asio::io_context& io, std::shared_ptr<const ServerState> server)
    : io_(io),
      server_(std::move(server)),
      acceptor_(asio::make_strand(io)),
      retry_timer_(acceptor_.get_executor()) {}

StatusOr<std::shared_ptr<HttpListener>> HttpListener::Bind(
    asio::io_context& io, std::shared_ptr<const ServerState> server) {
  const HttpServerOptions& options = server->options;
  const std::string address = options.host + ":" + std::to_string(options.port);
  std::shared_ptr<HttpListener> listener(new HttpListener(io, std::move(server)));
  boost::system::error_code error;
  tcp::resolver resolver(io);
  const auto endpoints =
      resolver.resolve(options.host, std::to_string(options.port),
                       tcp::resolver::passive | tcp::resolver::numeric_service, error);
  if (error || endpoints.empty()) {
    return UnavailableError("cannot resolve HTTP address " + address + ": " + error.message());
  }
  const tcp::endpoint endpoint = endpoints.begin()->endpoint();
  tcp::acceptor& acceptor = listener->acceptor_;
  acceptor.open(endpoint.protocol(), error);
  if (!error) acceptor.set_option(asio::socket_base::reuse_address(true), error);
  if (!error) acceptor.bind(endpoint, error);
  if (!error) acceptor.listen(asio::socket_base::max_listen_connections, error);
  if (!error) listener->port_ = acceptor.local_endpoint(error).port();
  if (error) {
    return UnavailableError("cannot listen on HTTP address " + address + ": " + error.message());
  }
  return listener;
}

void HttpListener::Start() {
  asio::post(acceptor_.get_executor(), [self = shared_from_this()] { self->Accept(); });
}

void HttpListener::Close() {
  asio::post(acceptor_.get_executor(), [self = shared_from_this()] {
    boost::system::error_code ignored;
    self->acceptor_.close(ignored);
    self->retry_timer_.cancel();
  });
}

void HttpListener::Accept() {
  if (!acceptor_.is_open()) return;
  // Each connection gets its own strand: its handlers never run concurrently.
  acceptor_.async_accept(
      asio::make_strand(io_),
      [self = shared_from_this()](boost::system::error_code error, tcp::socket socket) {
        self->OnAccept(error, std::move(socket));
      });
}

void HttpListener::OnAccept(const boost::system::error_code& error, tcp::socket socket) {
  if (!acceptor_.is_open()) return;  // Close() ran
  if (error) {
    // EMFILE and the like: accepting again at once would spin.
    retry_timer_.expires_after(std::chrono::milliseconds(50));
    retry_timer_.async_wait([self = shared_from_this()](boost::system::error_code wait_error) {
      if (!wait_error) self->Accept();
    });
    return;
  }
  boost::system::error_code ignored;
  socket.set_option(tcp::no_delay(true), ignored);  // small responses go out at once
  std::string peer = FormatPeer(socket.remote_endpoint(ignored));
  ConnectionRegistry& registry = *server_->connections;
  if (server_->tls) {
    Launch(std::make_shared<HttpConnection<TlsStream>>(
               TlsStream(PlainStream(std::move(socket)), *server_->tls), std::move(peer), server_),
           registry);
  } else {
    Launch(std::make_shared<HttpConnection<PlainStream>>(PlainStream(std::move(socket)),
                                                         std::move(peer), server_),
           registry);
  }
  Accept();
}

}  // namespace vit::server::http
