// One client connection: reads a request, hands it to the handler, writes the
// reply when it is posted back, and reads the next; all on the connection's
// own strand. Plain TCP or TLS, by the Stream type.
//
// Lifetime: the pending asynchronous operation keeps the connection alive
// (shared_from_this), and while the handler works, so does awaiting_reply_;
// the HttpReply holds it only weakly. Closing drops awaiting_reply_, so a
// connection never outlives the event loop that its socket belongs to.
#pragma once

#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>

#include "server/http/beast_messages.h"
#include "server/http/connection_registry.h"
#include "server/http/server_state.h"

namespace vit::server::http {

using PlainStream = boost::beast::tcp_stream;
using TlsStream = boost::beast::ssl_stream<boost::beast::tcp_stream>;

template <class Stream>
class HttpConnection final : public LiveConnection,
                             public std::enable_shared_from_this<HttpConnection<Stream>> {
 public:
  HttpConnection(Stream stream, std::string peer, std::shared_ptr<const ServerState> server);
  ~HttpConnection() override;  // leaves the registry

  /// Serves the connection, registered as `id`.
  void Start(uint64_t id);
  /// Answers 503 (HTTPS: just closes): the server is full or stopping.
  void Reject();

  void PostReply(HttpResponse response) override;
  void PostShutdown(bool force) override;

 private:
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;
  enum class State {
    kIdle,           // waiting for the first byte of a request
    kReading,        // TLS handshake, header or body under way
    kAwaitingReply,  // the handler has the request
    kWriting,
    kClosing,  // half-closed, draining what the client still sends
    kClosed,
  };

  boost::beast::tcp_stream& Tcp() { return boost::beast::get_lowest_layer(stream_); }

  void ReadTlsClientHello();
  void OnTlsClientHello(const boost::beast::error_code& error, size_t bytes);
  void ReadNextRequest();
  void OnFirstBytes(const boost::beast::error_code& error, size_t bytes);
  void ReadHeader();
  void OnHeader(const boost::beast::error_code& error);
  void ReadBody();
  void OnBody(const boost::beast::error_code& error);
  void FailRead(const boost::beast::error_code& error);
  void Dispatch();
  // While the handler has the request: waits for the socket to turn
  // readable, then peeks; end of stream or an error means the client left
  // (ClientDisconnect::Signal). Bytes (a pipelined request) end the watch.
  void WatchForDisconnect();
  void OnReadableWhileAwaiting(const boost::beast::error_code& error, uint64_t request);
  void DeliverReply(HttpResponse response);
  void Write(HttpResponse response, bool keep_alive);
  void OnWritten(const boost::beast::error_code& error);
  void CloseGracefully();
  void Drain();
  void Close();

  Stream stream_;
  // The strand; a copy so that other threads may post without touching stream_.
  const typename Stream::executor_type executor_;
  const std::string peer_;
  const std::shared_ptr<const ServerState> server_;
  std::optional<uint64_t> id_;  // set by Start()

  // Everything below is touched on the strand only.
  State state_ = State::kIdle;
  bool tls_established_ = false;
  bool stopping_ = false;  // Stop() began: no further requests
  boost::beast::flat_buffer buffer_;
  std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
  unsigned request_version_ = 11;
  bool request_keep_alive_ = true;
  bool keep_alive_after_write_ = true;
  boost::beast::http::response<boost::beast::http::empty_body> continue_;
  std::optional<BeastResponse> response_;
  std::shared_ptr<HttpConnection> awaiting_reply_;
  // The request the handler has: its number (a stale watch compares it) and
  // its disconnect signal.
  uint64_t requests_dispatched_ = 0;
  std::shared_ptr<ClientDisconnect> disconnect_;
};

extern template class HttpConnection<PlainStream>;
extern template class HttpConnection<TlsStream>;

}  // namespace vit::server::http
