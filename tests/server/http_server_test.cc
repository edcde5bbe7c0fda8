// The HTTP/1.1 transport (server/http/) on 127.0.0.1 with real sockets: a
// blocking Boost.Asio client writes raw bytes (so malformed, pipelined and
// oversized requests are what the test says) and parses answers with Beast.
// The HTTPS certificates are made at test time with the `openssl` command.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <queue>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "server/http/http_server.h"
#include "server/http/peer_address.h"
#include "server/http/request_target.h"
#include "tests/support/files.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_folder.h"

namespace vit::server::http {
namespace {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
using asio::ip::tcp;
using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;
using Response = bhttp::response<bhttp::string_body>;

// ---------------------------------------------------------------------------
// Requests as bytes.

std::string Get(const std::string& target, const std::string& extra_headers = "") {
  return "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + extra_headers + "\r\n";
}

std::string Post(const std::string& target, const std::string& body,
                 const std::string& extra_headers = "") {
  return "POST " + target +
         " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: " + std::to_string(body.size()) + "\r\n" +
         extra_headers + "\r\n" + body;
}

// ---------------------------------------------------------------------------
// Blocking clients. Every socket times out after 10 s, so a server that never
// answers fails the test instead of hanging it.

void SetSocketTimeouts(int fd) {
  timeval timeout{};
  timeout.tv_sec = 10;
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
}

class Client {
 public:
  explicit Client(int port) : socket_(io_) {
    socket_.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    SetSocketTimeouts(socket_.native_handle());
  }

  bool Send(const std::string& bytes) {
    boost::system::error_code error;
    asio::write(socket_, asio::buffer(bytes), error);
    return !error;
  }
  // The next response (an interim 100 Continue too), or nullopt when the
  // connection ended or timed out first.
  std::optional<Response> Read() {
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(boost::none);
    boost::system::error_code error;
    bhttp::read(socket_, buffer_, parser, error);
    if (error) return std::nullopt;
    return parser.release();
  }
  std::optional<Response> Exchange(const std::string& request) {
    if (!Send(request)) return std::nullopt;
    return Read();
  }
  // Whether the server closed the connection (reads to its end, discarding).
  bool ClosedByServer() {
    char scratch[4096];
    boost::system::error_code error;
    while (!error) socket_.read_some(asio::buffer(scratch), error);
    return error == asio::error::eof || error == asio::error::connection_reset;
  }
  void ShutdownSend() {
    boost::system::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_send, ignored);
  }
  void Close() {
    boost::system::error_code ignored;
    socket_.close(ignored);
  }

 private:
  asio::io_context io_;
  tcp::socket socket_;
  boost::beast::flat_buffer buffer_;
};

class TlsClient {
 public:
  TlsClient(int port, const std::string& ca_file) : stream_(io_, context_) {
    context_.load_verify_file(ca_file);
    stream_.set_verify_mode(asio::ssl::verify_peer);
    stream_.next_layer().connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    SetSocketTimeouts(stream_.next_layer().native_handle());
  }
  boost::system::error_code Handshake() {
    boost::system::error_code error;
    stream_.handshake(asio::ssl::stream_base::client, error);
    return error;
  }
  std::optional<Response> Exchange(const std::string& request) {
    boost::system::error_code error;
    asio::write(stream_, asio::buffer(request), error);
    if (error) return std::nullopt;
    Response response;
    bhttp::read(stream_, buffer_, response, error);
    if (error) return std::nullopt;
    return response;
  }

 private:
  asio::io_context io_;
  asio::ssl::context context_{asio::ssl::context::tls_client};
  asio::ssl::stream<tcp::socket> stream_;
  boost::beast::flat_buffer buffer_;
};

// ---------------------------------------------------------------------------
// Handlers.

// Replies after a delay from its own thread, as the inference pipeline does.
class DelayedReplier {
 public:
  DelayedReplier() : thread_([this] { Run(); }) {}
  ~DelayedReplier() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      done_ = true;
    }
    changed_.notify_all();
    thread_.join();
  }
  void ReplyAfter(milliseconds delay, HttpReply reply, HttpResponse response) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      pending_.push(
          Pending{Clock::now() + delay, sequence_++, std::move(reply), std::move(response)});
    }
    changed_.notify_all();
  }

 private:
  struct Pending {
    Clock::time_point due;
    uint64_t sequence;
    HttpReply reply;
    HttpResponse response;
    bool operator>(const Pending& other) const {
      return due != other.due ? due > other.due : sequence > other.sequence;
    }
  };
  void Run() {
    std::unique_lock<std::mutex> lock(mu_);
    while (!done_) {
      if (pending_.empty()) {
        changed_.wait(lock);
        continue;
      }
      const Clock::time_point due = pending_.top().due;
      if (Clock::now() < due) {
        changed_.wait_until(lock, due);
        continue;
      }
      Pending next = pending_.top();
      pending_.pop();
      lock.unlock();
      next.reply(std::move(next.response));
      lock.lock();
    }
  }

  std::mutex mu_;  // guards pending_, sequence_, done_
  std::condition_variable changed_;
  std::priority_queue<Pending, std::vector<Pending>, std::greater<Pending>> pending_;
  uint64_t sequence_ = 0;
  bool done_ = false;
  std::thread thread_;
};

// What it does depends on the path:
//   /echo     replies at once: the body back, what it saw in X- headers
//   /delay/N  replies "/delay/N" after N ms from another thread
//   /store    keeps the reply for the test (TakeStored())
//   /drop     drops the reply
//   /throw    throws
class TestHandler : public HttpHandler {
 public:
  void Handle(std::shared_ptr<const HttpRequest> request, HttpReply reply) override {
    calls_.fetch_add(1);
    const std::string& path = request->path;
    if (path.rfind("/delay/", 0) == 0) {
      HttpResponse response;
      response.content_type = "text/plain";
      response.body = path;
      delayed_.ReplyAfter(milliseconds(std::stoi(path.substr(7))), std::move(reply),
                          std::move(response));
    } else if (path == "/store") {
      std::lock_guard<std::mutex> lock(mu_);
      stored_.push_back(std::move(reply));
      stored_changed_.notify_all();
    } else if (path == "/drop") {
      return;
    } else if (path == "/throw") {
      throw std::runtime_error("handler bug");
    } else {
      reply(Echo(*request));
    }
  }

  int calls() const { return calls_.load(); }
  // The oldest stored reply, waiting up to 10 s for one; an empty function
  // when none came.
  HttpReply TakeStored() {
    std::unique_lock<std::mutex> lock(mu_);
    if (!stored_changed_.wait_for(lock, std::chrono::seconds(10),
                                  [this] { return !stored_.empty(); })) {
      return {};
    }
    HttpReply reply = std::move(stored_.front());
    stored_.pop_front();
    return reply;
  }

 private:
  static HttpResponse Echo(const HttpRequest& request) {
    HttpResponse response;
    response.content_type = "text/plain";
    response.body = request.body;
    response.headers = {
        {"X-Method", request.method},
        {"X-Path", request.path},
        {"X-Query-A", std::string(request.QueryParameter("a").value_or("(none)"))},
        {"X-Query-Count", std::to_string(request.query.size())},
        {"X-Test-Header", std::string(request.Header("x-test").value_or("(none)"))},
        {"X-Peer", request.peer},
        {"X-Tls", request.tls ? "yes" : "no"},
    };
    return response;
  }

  std::atomic<int> calls_{0};
  DelayedReplier delayed_;
  std::mutex mu_;  // guards stored_
  std::condition_variable stored_changed_;
  std::deque<HttpReply> stored_;
};

// ---------------------------------------------------------------------------

class HttpServerTest : public ::testing::Test {
 protected:
  HttpServerOptions Options() {
    HttpServerOptions options;
    options.host = "127.0.0.1";
    options.port = 0;
    return options;
  }
  void StartServer(const HttpServerOptions& options) {
    StatusOr<std::unique_ptr<HttpServer>> started = HttpServer::Start(options, &handler_);
    ASSERT_TRUE(started.ok()) << started.status().ToString();
    server_ = std::move(*started);
    port_ = server_->port();
  }
  void StartServer() { StartServer(Options()); }

  TestHandler handler_;  // outlives server_
  std::unique_ptr<HttpServer> server_;
  int port_ = 0;
};

TEST_F(HttpServerTest, EchoesMethodPathQueryHeadersAndBody) {
  StartServer();
  Client client(port_);
  std::optional<Response> response = client.Exchange(
      Post("/echo%20me/x?a=1%2B1&b=two+words&a=second", "hello body", "X-TEST: header value\r\n"));
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result_int(), 200);
  EXPECT_EQ(response->body(), "hello body");
  EXPECT_EQ((*response)["Content-Type"], "text/plain");
  EXPECT_EQ((*response)["X-Method"], "POST");
  EXPECT_EQ((*response)["X-Path"], "/echo me/x");
  EXPECT_EQ((*response)["X-Query-A"], "1+1");  // the first "a"
  EXPECT_EQ((*response)["X-Query-Count"], "3");
  EXPECT_EQ((*response)["X-Test-Header"], "header value");
  EXPECT_EQ((*response)["X-Tls"], "no");
  EXPECT_EQ((*response)["X-Peer"].substr(0, 15), "ipv4:127.0.0.1:");
  EXPECT_TRUE(response->keep_alive());
}

TEST_F(HttpServerTest, ServesManyRequestsOnOneKeepAliveConnection) {
  StartServer();
  Client client(port_);
  std::string first_peer;
  for (int i = 0; i < 5; ++i) {
    std::optional<Response> response =
        client.Exchange(Post("/echo", "request " + std::to_string(i)));
    ASSERT_TRUE(response) << "request " << i;
    EXPECT_EQ(response->body(), "request " + std::to_string(i));
    EXPECT_TRUE(response->keep_alive());
    if (i == 0) first_peer = std::string((*response)["X-Peer"]);
    EXPECT_EQ((*response)["X-Peer"], first_peer);  // one connection, one client port
  }
}

TEST_F(HttpServerTest, ClosesAfterConnectionClose) {
  StartServer();
  Client client(port_);
  std::optional<Response> response = client.Exchange(Get("/echo", "Connection: close\r\n"));
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result_int(), 200);
  EXPECT_FALSE(response->keep_alive());
  EXPECT_TRUE(client.ClosedByServer());
}

TEST_F(HttpServerTest, AnswersPipelinedRequestsInOrder) {
  StartServer();
  Client client(port_);
  // The first takes longest: a server that answered as replies come would
  // put it last.
  ASSERT_TRUE(client.Send(Get("/delay/300") + Get("/delay/1") + Post("/echo", "third")));
  std::optional<Response> first = client.Read();
  std::optional<Response> second = client.Read();
  std::optional<Response> third = client.Read();
  ASSERT_TRUE(first && second && third);
  EXPECT_EQ(first->body(), "/delay/300");
  EXPECT_EQ(second->body(), "/delay/1");
  EXPECT_EQ(third->body(), "third");
}

TEST_F(HttpServerTest, ServesManyKeepAliveConnectionsConcurrentlyWithSlowReplies) {
  constexpr int kConnections = 256;
  constexpr int kRequestsEach = 4;
  constexpr int kDelayMs = 50;
  StartServer();
  std::atomic<int> completed{0};
  std::atomic<int> failed{0};
  const Clock::time_point start = Clock::now();
  std::vector<std::thread> clients;
  for (int c = 0; c < kConnections; ++c) {
    clients.emplace_back([&] {
      try {
        Client client(port_);
        for (int r = 0; r < kRequestsEach; ++r) {
          std::optional<Response> response =
              client.Exchange(Get("/delay/" + std::to_string(kDelayMs)));
          if (response && response->result_int() == 200 && response->keep_alive()) {
            completed.fetch_add(1);
          } else {
            failed.fetch_add(1);
          }
        }
      } catch (const std::exception&) {
        failed.fetch_add(1);
      }
    });
  }
  for (std::thread& client : clients) client.join();
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(completed.load(), kConnections * kRequestsEach);
  // One connection at a time would take 51 s; concurrent ones about 0.2 s.
  const double serial_seconds = kConnections * kRequestsEach * kDelayMs / 1000.0;
  EXPECT_LT(seconds, 0.5 * serial_seconds);
  RecordProperty("seconds", std::to_string(seconds));
}

TEST_F(HttpServerTest, RefusesABodyOverTheLimitWithoutReadingIt) {
  HttpServerOptions options = Options();
  options.max_body_bytes = 1024;
  StartServer(options);
  Client client(port_);
  // Declares 100 MB, sends 64 KiB of it: the answer must come anyway.
  ASSERT_TRUE(
      client.Send("POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100000000\r\n\r\n" +
                  std::string(64 << 10, 'x')));
  std::optional<Response> response = client.Read();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result_int(), 413);
  EXPECT_EQ((*response)["Content-Type"], "application/json");
  EXPECT_EQ(response->body(), R"({"error":"request body is larger than the limit of 1024 bytes"})");
  EXPECT_FALSE(response->keep_alive());
  EXPECT_EQ(handler_.calls(), 0);

  // Just at the limit is fine.
  Client at_limit(port_);
  std::optional<Response> ok = at_limit.Exchange(Post("/echo", std::string(1024, 'y')));
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->result_int(), 200);
  EXPECT_EQ(ok->body().size(), 1024u);
}

TEST_F(HttpServerTest, RefusesAChunkedBodyOverTheLimit) {
  HttpServerOptions options = Options();
  options.max_body_bytes = 1024;
  StartServer(options);
  Client client(port_);
  ASSERT_TRUE(
      client.Send("POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                  "200\r\n" +
                  std::string(512, 'a') +
                  "\r\n"  // 512: still within
                  "300\r\n" +
                  std::string(768, 'b') +
                  "\r\n"  // 1280 in all: over
                  "0\r\n\r\n"));
  std::optional<Response> response = client.Read();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result_int(), 413);
  EXPECT_EQ(handler_.calls(), 0);
}

TEST_F(HttpServerTest, ReadsAChunkedBody) {
  StartServer();
  Client client(port_);
  std::optional<Response> response = client.Exchange(
      "POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5\r\nhello\r\n7;name=value\r\n, world\r\n0\r\n\r\n");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result_int(), 200);
  EXPECT_EQ(response->body(), "hello, world");
  // The connection still frames requests right afterwards.
  std::optional<Response> next = client.Exchange(Post("/echo", "next"));
  ASSERT_TRUE(next);
  EXPECT_EQ(next->body(), "next");
}

TEST_F(HttpServerTest, SendsContinueBeforeReadingABodyThatExpectsIt) {
  StartServer();
  Client client(port_);
  const std::string body(4096, 'z');
  ASSERT_TRUE(
      client.Send("POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 4096\r\n"
                  "Expect: 100-continue\r\n\r\n"));
  // curl waits (up to a second) for this before it sends the body.
  std::optional<Response> interim = client.Read();
  ASSERT_TRUE(interim);
  EXPECT_EQ(interim->result_int(), 100);
  ASSERT_TRUE(client.Send(body));
  std::optional<Response> response = client.Read();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result_int(), 200);
  EXPECT_EQ(response->body(), body);
}

TEST_F(HttpServerTest, AnswersAnExpectedBodyOverTheLimitWith413InsteadOfContinue) {
  HttpServerOptions options = Options();
  options.max_body_bytes = 1024;
  StartServer(options);
  Client client(port_);
  std::optional<Response> response = client.Exchange(
      "POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 4096\r\n"
      "Expect: 100-continue\r\n\r\n");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result_int(), 413);
}

TEST_F(HttpServerTest, AnswersMalformedRequestsWith400AndCloses) {
  StartServer();
  for (const std::string& request : {
           std::string("GARBAGE\r\n\r\n"),
           std::string("GET / HTTP/1.1\r\nHost: x\r\nNo colon here\r\n\r\n"),
           std::string("GET / HTTX/1.1\r\nHost: x\r\n\r\n"),
           std::string("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n"),
           std::string("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n"
                       "Content-Length: 4\r\n\r\nabcd"),
           std::string("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                       "zz\r\n"),
       }) {
    Client client(port_);
    std::optional<Response> response = client.Exchange(request);
    ASSERT_TRUE(response) << request;
    EXPECT_EQ(response->result_int(), 400) << request;
    EXPECT_EQ(response->body().rfind(R"({"error":"malformed HTTP request: )", 0), 0u)
        << response->body();
    EXPECT_TRUE(client.ClosedByServer()) << request;
  }
  EXPECT_EQ(handler_.calls(), 0);
}

TEST_F(HttpServerTest, AnswersABadPercentEscapeWith400AndKeepsTheConnection) {
  StartServer();
  Client client(port_);
  std::optional<Response> response = client.Exchange(Get("/echo%zz"));
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result_int(), 400);
  EXPECT_NE(response->body().find("percent-escape"), std::string::npos) << response->body();
  // The request was whole, so the connection goes on.
  std::optional<Response> next = client.Exchange(Get("/echo"));
  ASSERT_TRUE(next);
  EXPECT_EQ(next->result_int(), 200);
}

// Beast reads HTTP/1.0 and 1.1 only; HTTP/2 with prior knowledge is refused.
TEST_F(HttpServerTest, AnswersOtherHttpVersionsWith400) {
  StartServer();
  for (const std::string& request :
       {Get("/echo").replace(10, 8, "HTTP/2.0"), std::string("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")}) {
    Client client(port_);
    std::optional<Response> response = client.Exchange(request);
    ASSERT_TRUE(response) << request;
    EXPECT_EQ(response->result_int(), 400) << request;
    EXPECT_EQ(response->body(), R"({"error":"malformed HTTP request: bad version"})");
    EXPECT_TRUE(client.ClosedByServer());
  }
}

TEST_F(HttpServerTest, AnswersHeadersOverTheLimitWith431) {
  StartServer();  // 64 KiB
  Client client(port_);
  std::optional<Response> response =
      client.Exchange(Get("/echo", "X-Big: " + std::string(100 << 10, 'h') + "\r\n"));
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result_int(), 431);
  EXPECT_NE(response->body().find("65536 bytes"), std::string::npos) << response->body();
  EXPECT_EQ(handler_.calls(), 0);
}

TEST_F(HttpServerTest, SurvivesRandomBytes) {
  HttpServerOptions options = Options();
  options.read_timeout = milliseconds(500);
  StartServer(options);
  std::mt19937 random(14);
  for (int i = 0; i < 200; ++i) {
    Client client(port_);
    std::string bytes(std::uniform_int_distribution<int>(1, 3000)(random), '\0');
    for (char& byte : bytes) byte = static_cast<char>(random());
    if (i % 2 == 1) bytes = "POST /echo HTTP/1.1\r\n" + bytes;  // get past the request line
    client.Send(bytes);
    client.ShutdownSend();
    client.ClosedByServer();  // an answer or not: the server must end the connection
  }
  Client client(port_);
  std::optional<Response> response = client.Exchange(Get("/echo"));
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result_int(), 200);
}

TEST_F(HttpServerTest, AnswersADroppedReplyWith500) {
  StartServer();
  Client client(port_);
  std::optional<Response> response = client.Exchange(Get("/drop"));
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result_int(), 500);
  EXPECT_EQ(response->body(), R"({"error":"internal error: the request handler did not reply"})");
  // Not the connection's fault: it goes on.
  std::optional<Response> next = client.Exchange(Get("/echo"));
  ASSERT_TRUE(next);
  EXPECT_EQ(next->result_int(), 200);
}

TEST_F(HttpServerTest, AnswersAThrowingHandlerWith500) {
  StartServer();
  Client client(port_);
  std::optional<Response> response = client.Exchange(Get("/throw"));
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result_int(), 500);
}

TEST_F(HttpServerTest, UsesOnlyTheFirstOfTwoReplies) {
  StartServer();
  Client client(port_);
  ASSERT_TRUE(client.Send(Get("/store")));
  HttpReply reply = handler_.TakeStored();
  ASSERT_TRUE(reply);
  HttpReply copy = reply;
  HttpResponse first;
  first.body = "first";
  reply(first);
  HttpResponse second;
  second.body = "second";
  copy(second);
  std::optional<Response> response = client.Read();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->body(), "first");
  std::optional<Response> next = client.Exchange(Post("/echo", "after"));
  ASSERT_TRUE(next);
  EXPECT_EQ(next->body(), "after");
}

TEST_F(HttpServerTest, DropsAReplyThatComesAfterTheClientLeft) {
  StartServer();
  {
    Client client(port_);
    ASSERT_TRUE(client.Send(Get("/store")));
    HttpReply reply = handler_.TakeStored();
    ASSERT_TRUE(reply);
    client.Close();
    std::this_thread::sleep_for(milliseconds(100));
    reply(HttpResponse{});  // the connection may or may not have noticed: no matter
  }
  Client client(port_);
  std::optional<Response> response = client.Exchange(Get("/echo"));
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result_int(), 200);
}

TEST_F(HttpServerTest, ClosesIdleConnectionsAfterTheIdleTimeout) {
  HttpServerOptions options = Options();
  options.idle_timeout = milliseconds(200);
  StartServer(options);
  Client client(port_);
  ASSERT_TRUE(client.Exchange(Get("/echo")));
  const Clock::time_point start = Clock::now();
  EXPECT_TRUE(client.ClosedByServer());
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(5));
}

TEST_F(HttpServerTest, TurnsAwayConnectionsOverTheLimitWith503) {
  HttpServerOptions options = Options();
  options.max_connections = 2;
  StartServer(options);
  auto first = std::make_unique<Client>(port_);
  Client second(port_);
  ASSERT_TRUE(first->Exchange(Get("/echo")));
  ASSERT_TRUE(second.Exchange(Get("/echo")));
  {
    Client third(port_);
    std::optional<Response> response = third.Exchange(Get("/echo"));
    ASSERT_TRUE(response);
    EXPECT_EQ(response->result_int(), 503);
  }
  first.reset();  // frees a place, once the server has seen the close
  std::optional<Response> later;
  for (int attempt = 0; attempt < 100 && !(later && later->result_int() == 200); ++attempt) {
    std::this_thread::sleep_for(milliseconds(20));
    later = Client(port_).Exchange(Get("/echo"));
  }
  ASSERT_TRUE(later);
  EXPECT_EQ(later->result_int(), 200);
}

TEST_F(HttpServerTest, StopWaitsForAPendingReply) {
  StartServer();
  Client idle(port_);
  ASSERT_TRUE(idle.Exchange(Get("/echo")));
  Client busy(port_);
  ASSERT_TRUE(busy.Send(Get("/store")));
  HttpReply reply = handler_.TakeStored();
  ASSERT_TRUE(reply);

  std::atomic<bool> stopped{false};
  std::thread stopper([&] {
    server_->Stop();
    stopped = true;
  });
  EXPECT_TRUE(idle.ClosedByServer());  // idle connections close at once
  std::this_thread::sleep_for(milliseconds(200));
  EXPECT_FALSE(stopped.load()) << "Stop() returned with a reply outstanding";
  HttpResponse late;
  late.body = "late but whole";
  reply(late);
  std::optional<Response> response = busy.Read();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->body(), "late but whole");
  EXPECT_FALSE(response->keep_alive());  // the server is going away
  EXPECT_TRUE(busy.ClosedByServer());
  busy.Close();
  stopper.join();
  // New connections are refused.
  EXPECT_THROW(Client{port_}, boost::system::system_error);
}

TEST_F(HttpServerTest, StopGivesUpAfterTheDrainTimeoutAndDropsLaterReplies) {
  HttpServerOptions options = Options();
  options.drain_timeout = milliseconds(200);
  StartServer(options);
  Client client(port_);
  ASSERT_TRUE(client.Send(Get("/store")));
  HttpReply reply = handler_.TakeStored();
  ASSERT_TRUE(reply);
  HttpReply copy_for_later = reply;
  const Clock::time_point start = Clock::now();
  server_->Stop();
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(4));
  EXPECT_TRUE(client.ClosedByServer());  // without an answer
  reply(HttpResponse{});                 // dropped: the event loop is gone
  server_->Stop();                       // a second Stop() does nothing
  server_.reset();
  copy_for_later(HttpResponse{});  // even after ~HttpServer()
}

TEST_F(HttpServerTest, ReplyDestroyedAfterTheServerIsSafe) {
  HttpServerOptions options = Options();
  options.drain_timeout = milliseconds(100);
  StartServer(options);
  Client client(port_);
  ASSERT_TRUE(client.Send(Get("/store")));
  HttpReply reply = handler_.TakeStored();
  ASSERT_TRUE(reply);
  server_.reset();  // Stop() from the destructor
  reply = nullptr;  // its 500 goes nowhere
}

TEST_F(HttpServerTest, RefusesBadOptionsAndABusyPort) {
  HttpServerOptions options = Options();
  options.port = 70000;
  EXPECT_EQ(HttpServer::Start(options, &handler_).status().code(), StatusCode::kInvalidArgument);
  options = Options();
  options.tls_cert_file = "/nonexistent.pem";
  EXPECT_EQ(HttpServer::Start(options, &handler_).status().code(), StatusCode::kInvalidArgument);
  options.tls_key_file = "/nonexistent.key";
  StatusOr<std::unique_ptr<HttpServer>> missing_files = HttpServer::Start(options, &handler_);
  EXPECT_EQ(missing_files.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(missing_files.status().message().find("/nonexistent.pem"), std::string::npos);

  StartServer();
  options = Options();
  options.port = port_;
  StatusOr<std::unique_ptr<HttpServer>> busy = HttpServer::Start(options, &handler_);
  EXPECT_EQ(busy.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(busy.status().message().find(std::to_string(port_)), std::string::npos);
}

// ---------------------------------------------------------------------------

// A CA and a server certificate for 127.0.0.1 signed by it. What openssl
// printed when it failed, else "".
std::string MakeCertificates(const std::string& dir) {
  vit::testing::WriteFile(
      dir + "/server.ext",
      "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n");
  const std::string key = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
  const std::string script =
      "set -e; cd '" + dir + "'\n" + "openssl req -x509 " + key +
      " -keyout ca.key -out ca.pem -days 2 -subj /CN=vit-test-ca\n" + "openssl req " + key +
      " -keyout server.key -out server.csr -subj /CN=localhost\n" +
      "openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2"
      " -extfile server.ext -out server.pem\n";
  const vit::testing::ProcessResult run = vit::testing::RunProcess("sh", {"-c", script});
  return run.exit_code == 0 ? "" : "openssl failed:\n" + run.output;
}

class HttpsServerTest : public HttpServerTest {
 protected:
  static void SetUpTestSuite() {
    dir_ = new vit::testing::TempFolder("vit-https");
    ASSERT_EQ(MakeCertificates(dir_->path()), "");
  }
  static void TearDownTestSuite() { delete dir_; }
  static std::string Path(const std::string& name) { return *dir_ / name; }

  void StartHttpsServer() {
    HttpServerOptions options = Options();
    options.tls_cert_file = Path("server.pem");
    options.tls_key_file = Path("server.key");
    StartServer(options);
  }

  static vit::testing::TempFolder* dir_;
};
vit::testing::TempFolder* HttpsServerTest::dir_ = nullptr;

TEST_F(HttpsServerTest, ServesRequestsOverTls) {
  StartHttpsServer();
  TlsClient client(port_, Path("ca.pem"));
  ASSERT_FALSE(client.Handshake());
  for (int i = 0; i < 3; ++i) {  // keep-alive over one TLS session
    std::optional<Response> response =
        client.Exchange(Post("/echo", "secret " + std::to_string(i)));
    ASSERT_TRUE(response);
    EXPECT_EQ(response->result_int(), 200);
    EXPECT_EQ(response->body(), "secret " + std::to_string(i));
    EXPECT_EQ((*response)["X-Tls"], "yes");
  }
  std::optional<Response> continued = client.Exchange(
      "POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 2\r\n"
      "Expect: 100-continue\r\n\r\n");
  ASSERT_TRUE(continued);
  EXPECT_EQ(continued->result_int(), 100);
}

TEST_F(HttpsServerTest, AnswersAPlaintextClientWith400AndCloses) {
  StartHttpsServer();
  Client client(port_);
  std::optional<Response> response = client.Exchange(Get("/echo"));
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result_int(), 400);
  EXPECT_EQ(response->body(), R"({"error":"this port speaks HTTPS only"})");
  EXPECT_TRUE(client.ClosedByServer());
  EXPECT_EQ(handler_.calls(), 0);
}

TEST_F(HttpsServerTest, ClosesOnAFailedHandshake) {
  StartHttpsServer();
  Client client(port_);
  // A TLS record header, then nonsense.
  ASSERT_TRUE(client.Send(std::string("\x16\x03\x01\x00\x05hello", 10)));
  EXPECT_TRUE(client.ClosedByServer());
  // Still serving.
  TlsClient good(port_, Path("ca.pem"));
  ASSERT_FALSE(good.Handshake());
  ASSERT_TRUE(good.Exchange(Get("/echo")));
}

TEST_F(HttpsServerTest, StopsWithAnOpenTlsConnection) {
  StartHttpsServer();
  TlsClient client(port_, Path("ca.pem"));
  ASSERT_FALSE(client.Handshake());
  ASSERT_TRUE(client.Exchange(Get("/echo")));
  const Clock::time_point start = Clock::now();
  server_->Stop();
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(4));
}

// ---------------------------------------------------------------------------

TEST(RequestTargetTest, SplitsAndDecodesPathAndQuery) {
  StatusOr<RequestTarget> target = ParseRequestTarget("/v2/models/my%20model/infer?x=a+b&y=%26&z");
  ASSERT_TRUE(target.ok()) << target.status().ToString();
  EXPECT_EQ(target->path, "/v2/models/my model/infer");
  EXPECT_EQ(target->query,
            (std::multimap<std::string, std::string>{{"x", "a b"}, {"y", "&"}, {"z", ""}}));
  // "+" is a space only in the query.
  EXPECT_EQ(ParseRequestTarget("/a+b")->path, "/a+b");
}

TEST(RequestTargetTest, AcceptsTheAbsoluteForm) {
  EXPECT_EQ(ParseRequestTarget("http://host:8000/v2/health/live?a=1")->path, "/v2/health/live");
  EXPECT_EQ(ParseRequestTarget("http://host:8000")->path, "/");
  EXPECT_EQ(ParseRequestTarget("/a#fragment")->path, "/a");
}

TEST(RequestTargetTest, RefusesBadTargets) {
  for (const char* bad : {"", "*", "relative/path", "/a%", "/a%2", "/a%g0", "/a%00", "/?x=%zz"}) {
    EXPECT_EQ(ParseRequestTarget(bad).status().code(), StatusCode::kInvalidArgument) << bad;
  }
}

TEST(PeerAddressTest, WritesGrpcPeerFormat) {
  EXPECT_EQ(FormatPeer(tcp::endpoint(asio::ip::make_address("10.1.2.3"), 5678)),
            "ipv4:10.1.2.3:5678");
  EXPECT_EQ(FormatPeer(tcp::endpoint(asio::ip::make_address("::1"), 80)), "ipv6:[::1]:80");
  EXPECT_EQ(FormatPeer(tcp::endpoint(asio::ip::make_address("::ffff:10.0.0.1"), 9)),
            "ipv4:10.0.0.1:9");
}

TEST(HttpMessageTest, FindsHeadersIgnoringCase) {
  HttpRequest request;
  request.headers = {{"Content-Type", "image/jpeg"}, {"X-A", "1"}, {"x-a", "2"}};
  EXPECT_EQ(request.Header("content-type"), "image/jpeg");
  EXPECT_EQ(request.Header("X-A"), "1");
  EXPECT_EQ(request.Header("missing"), std::nullopt);
}

TEST(HttpMessageTest, WritesErrorsAsJson) {
  HttpResponse response = JsonErrorResponse(404, "model \"m\" not found");
  EXPECT_EQ(response.status, 404);
  EXPECT_EQ(response.content_type, "application/json");
  EXPECT_EQ(response.body, R"({"error":"model \"m\" not found"})");
  EXPECT_EQ(JsonErrorResponse(400, "bad \xff byte").body, "{\"error\":\"bad \xEF\xBF\xBD byte\"}");
}

}  // namespace
}  // namespace vit::server::http
