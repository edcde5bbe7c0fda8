#include "server/http/http_connection.h"

#include <sys/socket.h>
#include <sys/types.h>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <cerrno>
#include <chrono>
#include <utility>

#include "server/http/http_reply.h"

namespace vit::server::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

namespace {

// Read size while waiting for a request or draining before a close.
constexpr size_t kReadChunk = 16 * 1024;
// After a connection's last response: how long the client has to close it (we
// drain what it still sends meanwhile) or, over TLS, to answer close_notify.
constexpr std::chrono::seconds kCloseTimeout{2};
// The first byte of every TLS connection: a handshake record.
constexpr unsigned char kTlsHandshakeRecord = 0x16;

}  // namespace

template <class Stream>
HttpConnection<Stream>::HttpConnection(Stream stream, std::string peer,
                                       std::shared_ptr<const ServerState> server)
    : stream_(std::move(stream)),
      executor_(stream_.get_executor()),
      peer_(std::move(peer)),
      server_(std::move(server)) {
  continue_.version(11);
  continue_.result(bhttp::status::continue_);
}

template <class Stream>
HttpConnection<Stream>::~HttpConnection() {
  if (id_) server_->connections->Remove(*id_);
}

template <class Stream>
void HttpConnection<Stream>::Start(uint64_t id) {
  id_ = id;
  asio::dispatch(executor_, [self = this->shared_from_this()] {
    if constexpr (kTls) {
      self->ReadTlsClientHello();
    } else {
      self->ReadNextRequest();
    }
  });
}

template <class Stream>
void HttpConnection<Stream>::Reject() {
  asio::dispatch(executor_, [self = this->shared_from_this()] {
    self->stopping_ = true;
    if constexpr (kTls) {
      self->Close();
    } else {
      self->Write(JsonErrorResponse(503, "the server is at its connection limit or stopping"),
                  /*keep_alive=*/false);
    }
  });
}

template <class Stream>
void HttpConnection<Stream>::PostReply(HttpResponse response) {
  asio::post(executor_,
             [self = this->shared_from_this(), response = std::move(response)]() mutable {
               self->DeliverReply(std::move(response));
             });
}

template <class Stream>
void HttpConnection<Stream>::PostShutdown(bool force) {
  asio::post(executor_, [self = this->shared_from_this(), force] {
    self->stopping_ = true;
    if (force || self->state_ == State::kIdle) self->Close();
  });
}

template <class Stream>
void HttpConnection<Stream>::ReadTlsClientHello() {
  state_ = State::kReading;
  Tcp().expires_after(server_->options.read_timeout);
  Tcp().async_read_some(buffer_.prepare(kReadChunk),
                        [self = this->shared_from_this()](beast::error_code error, size_t bytes) {
                          self->OnTlsClientHello(error, bytes);
                        });
}

template <class Stream>
void HttpConnection<Stream>::OnTlsClientHello(const beast::error_code& error, size_t bytes) {
  if (state_ == State::kClosed) return;
  if (error) return Close();
  buffer_.commit(bytes);
  if (static_cast<const unsigned char*>(buffer_.data().data())[0] != kTlsHandshakeRecord) {
    // Most likely plain HTTP: answer in plain HTTP so the client learns why.
    return Write(JsonErrorResponse(400, "this port speaks HTTPS only"), /*keep_alive=*/false);
  }
  if constexpr (kTls) {
    stream_.async_handshake(
        asio::ssl::stream_base::server, buffer_.data(),
        [self = this->shared_from_this()](beast::error_code handshake_error, size_t used) {
          if (self->state_ == State::kClosed) return;
          if (handshake_error) return self->Close();
          self->buffer_.consume(used);
          self->tls_established_ = true;
          self->ReadNextRequest();
        });
  }
}

template <class Stream>
void HttpConnection<Stream>::ReadNextRequest() {
  if (stopping_) return CloseGracefully();
  parser_.emplace();
  parser_->header_limit(static_cast<std::uint32_t>(server_->options.max_header_bytes));
  parser_->body_limit(static_cast<std::uint64_t>(server_->options.max_body_bytes));
  if (buffer_.size() > 0) return ReadHeader();  // a pipelined request is here already
  state_ = State::kIdle;
  Tcp().expires_after(server_->options.idle_timeout);
  stream_.async_read_some(buffer_.prepare(kReadChunk),
                          [self = this->shared_from_this()](beast::error_code error, size_t bytes) {
                            self->OnFirstBytes(error, bytes);
                          });
}

template <class Stream>
void HttpConnection<Stream>::OnFirstBytes(const beast::error_code& error, size_t bytes) {
  if (state_ == State::kClosed) return;
  if (error) return Close();  // the client closed an idle connection, or timed out
  buffer_.commit(bytes);
  ReadHeader();
}

template <class Stream>
void HttpConnection<Stream>::ReadHeader() {
  state_ = State::kReading;
  Tcp().expires_after(server_->options.read_timeout);
  bhttp::async_read_header(stream_, buffer_, *parser_,
                           [self = this->shared_from_this()](beast::error_code error, size_t) {
                             self->OnHeader(error);
                           });
}

template <class Stream>
void HttpConnection<Stream>::OnHeader(const beast::error_code& error) {
  if (state_ == State::kClosed) return;
  if (error) return FailRead(error);
  if (parser_->is_done()) return Dispatch();
  if (!beast::iequals(parser_->get()[bhttp::field::expect], "100-continue")) return ReadBody();
  // The client waits for this before it sends the body (curl does for bodies
  // over 1 KiB). A body over the limit never gets here: the header read failed.
  Tcp().expires_after(server_->options.write_timeout);
  bhttp::async_write(stream_, continue_,
                     [self = this->shared_from_this()](beast::error_code write_error, size_t) {
                       if (self->state_ == State::kClosed) return;
                       if (write_error) return self->Close();
                       self->ReadBody();
                     });
}

template <class Stream>
void HttpConnection<Stream>::ReadBody() {
  Tcp().expires_after(server_->options.read_timeout);
  bhttp::async_read(
      stream_, buffer_, *parser_,
      [self = this->shared_from_this()](beast::error_code error, size_t) { self->OnBody(error); });
}

template <class Stream>
void HttpConnection<Stream>::OnBody(const beast::error_code& error) {
  if (state_ == State::kClosed) return;
  if (error) return FailRead(error);
  Dispatch();
}

template <class Stream>
void HttpConnection<Stream>::FailRead(const beast::error_code& error) {
  std::optional<HttpResponse> response =
      ReadErrorResponse(error, server_->options.max_header_bytes, server_->options.max_body_bytes);
  if (!response) return Close();
  // The rest of the stream cannot be framed: answer, then close.
  Write(std::move(*response), /*keep_alive=*/false);
}

template <class Stream>
void HttpConnection<Stream>::Dispatch() {
  BeastRequest message = parser_->release();
  parser_.reset();
  request_version_ = message.version();
  request_keep_alive_ = message.keep_alive();
  StatusOr<HttpRequest> request = ToHttpRequest(std::move(message), peer_, kTls);
  if (!request.ok()) {
    return Write(JsonErrorResponse(400, request.status().message()), request_keep_alive_);
  }
  state_ = State::kAwaitingReply;
  Tcp().expires_never();  // the handler's time is the handler's business (deadlines)
  awaiting_reply_ = this->shared_from_this();
  disconnect_ = std::make_shared<ClientDisconnect>();
  request->disconnect = disconnect_;
  ++requests_dispatched_;
  // A pipelined request already buffered: no watch (its bytes are not on the socket).
  if (buffer_.size() == 0) WatchForDisconnect();
  auto shared_request = std::make_shared<const HttpRequest>(std::move(*request));
  HttpReply reply = MakeHttpReply(server_->connections, this->weak_from_this(), shared_request);
  try {
    server_->handler->Handle(std::move(shared_request), std::move(reply));
  } catch (...) {
    // Nothing to do: the reply the handler dropped while unwinding answers 500.
  }
}

template <class Stream>
void HttpConnection<Stream>::WatchForDisconnect() {
  Tcp().socket().async_wait(
      asio::ip::tcp::socket::wait_read,
      [self = this->shared_from_this(), request = requests_dispatched_](beast::error_code error) {
        self->OnReadableWhileAwaiting(error, request);
      });
}

template <class Stream>
void HttpConnection<Stream>::OnReadableWhileAwaiting(const beast::error_code& error,
                                                     uint64_t request) {
  if (error == asio::error::operation_aborted) return;  // replied, or closed
  if (state_ != State::kAwaitingReply || request != requests_dispatched_) return;
  if (error) return disconnect_->Signal();
  // Never blocks the I/O thread: a wake-up without data waits again.
  char byte = 0;
  const ssize_t bytes = ::recv(Tcp().socket().native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  if (bytes < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
    return WatchForDisconnect();
  if (bytes > 0) return;  // the next request: the watch ends
  disconnect_->Signal();  // end of stream, or a reset
}

template <class Stream>
void HttpConnection<Stream>::DeliverReply(HttpResponse response) {
  if (state_ != State::kAwaitingReply) return;  // closed meanwhile (Stop, forced)
  awaiting_reply_.reset();                      // the posted handler holds us now
  // Ends the disconnect watch (no other operation is pending while awaiting).
  beast::error_code ignored;
  Tcp().socket().cancel(ignored);
  disconnect_.reset();
  Write(std::move(response), request_keep_alive_ && !stopping_);
}

template <class Stream>
void HttpConnection<Stream>::Write(HttpResponse response, bool keep_alive) {
  state_ = State::kWriting;
  keep_alive_after_write_ = keep_alive;
  response_.emplace(ToBeastResponse(std::move(response), request_version_, keep_alive));
  Tcp().expires_after(server_->options.write_timeout);
  auto on_written = [self = this->shared_from_this()](beast::error_code error, size_t) {
    self->OnWritten(error);
  };
  if constexpr (kTls) {
    if (!tls_established_) {  // the plaintext client of OnTlsClientHello()
      bhttp::async_write(Tcp(), *response_, std::move(on_written));
      return;
    }
  }
  bhttp::async_write(stream_, *response_, std::move(on_written));
}

template <class Stream>
void HttpConnection<Stream>::OnWritten(const beast::error_code& error) {
  response_.reset();
  if (state_ == State::kClosed) return;
  if (error) return Close();
  if (!keep_alive_after_write_ || stopping_) return CloseGracefully();
  ReadNextRequest();
}

template <class Stream>
void HttpConnection<Stream>::CloseGracefully() {
  state_ = State::kClosing;
  Tcp().expires_after(kCloseTimeout);
  if constexpr (kTls) {
    if (tls_established_) {
      stream_.async_shutdown(
          [self = this->shared_from_this()](beast::error_code) { self->Close(); });
      return;
    }
  }
  // Half-close, then read until the client closes: closing with unread bytes
  // (the rest of a refused body) would make the kernel send a reset, which can
  // destroy the response before the client reads it.
  beast::error_code ignored;
  Tcp().socket().shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
  Drain();
}

template <class Stream>
void HttpConnection<Stream>::Drain() {
  buffer_.clear();
  Tcp().async_read_some(buffer_.prepare(kReadChunk),
                        [self = this->shared_from_this()](beast::error_code error, size_t) {
                          if (error || self->state_ == State::kClosed) return self->Close();
                          self->Drain();
                        });
}

template <class Stream>
void HttpConnection<Stream>::Close() {
  if (state_ == State::kClosed) return;
  state_ = State::kClosed;
  beast::error_code ignored;
  Tcp().socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  Tcp().close();  // cancels the pending operation and the timer
  // Callers run in a handler that holds a reference, so this is not the last.
  awaiting_reply_.reset();
}

template class HttpConnection<PlainStream>;
template class HttpConnection<TlsStream>;

}  // namespace vit::server::http
