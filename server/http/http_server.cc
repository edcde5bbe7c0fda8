#include "server/http/http_server.h"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "server/http/connection_registry.h"
#include "server/http/http_listener.h"
#include "server/http/server_state.h"
#include "server/http/tls_context.h"

namespace vit::server::http {

namespace asio = boost::asio;

namespace {

// Stop(): after forcing connections closed, how long their handlers have to
// unwind, and then the event loop to run out of work, before it is stopped.
constexpr std::chrono::seconds kUnwindTimeout{2};

}  // namespace

struct HttpServer::Impl {
  // Destroyed last: destroying the event loop destroys the handlers it still
  // holds, which may own connections that use `state`.
  std::shared_ptr<ServerState> state;
  asio::io_context io;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  std::shared_ptr<HttpListener> listener;
  std::vector<std::thread> threads;

  std::mutex stop_mu;  // guards stopped, and serialises Stop()
  bool stopped = false;

  std::mutex running_mu;  // guards running_threads
  std::condition_variable threads_done;
  int running_threads = 0;

  explicit Impl(int io_threads) : io(io_threads) {}

  void RunEventLoop() {
    io.run();
    std::lock_guard<std::mutex> lock(running_mu);
    if (--running_threads == 0) threads_done.notify_all();
  }

  // Lets the event loop run out of work (every socket is closed by now, so
  // it does soon), then stops it in any case and joins its threads.
  void JoinEventLoop() {
    work.reset();
    {
      std::unique_lock<std::mutex> lock(running_mu);
      threads_done.wait_for(lock, kUnwindTimeout, [this] { return running_threads == 0; });
    }
    io.stop();
    for (std::thread& thread : threads) thread.join();
    threads.clear();
  }
};

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpServer::~HttpServer() { Stop(); }

StatusOr<std::unique_ptr<HttpServer>> HttpServer::Start(const HttpServerOptions& options,
                                                        HttpHandler* handler) {
  VIT_RETURN_IF_ERROR(ValidateHttpServerOptions(options));
  if (handler == nullptr) return InvalidArgumentError("HttpServer needs a handler");
  auto state = std::make_shared<ServerState>();
  state->options = options;
  state->handler = handler;
  state->connections = std::make_shared<ConnectionRegistry>(options.max_connections);
  if (!options.tls_cert_file.empty()) {
    VIT_ASSIGN_OR_RETURN(state->tls,
                         MakeTlsServerContext(options.tls_cert_file, options.tls_key_file));
  }

  auto impl = std::make_unique<Impl>(options.io_threads);
  impl->state = state;
  VIT_ASSIGN_OR_RETURN(impl->listener, HttpListener::Bind(impl->io, state));
  impl->work.emplace(impl->io.get_executor());
  impl->listener->Start();
  impl->running_threads = options.io_threads;
  for (int i = 0; i < options.io_threads; ++i) {
    impl->threads.emplace_back([raw = impl.get()] { raw->RunEventLoop(); });
  }
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

int HttpServer::port() const { return impl_->listener->port(); }

void HttpServer::Stop() {
  std::lock_guard<std::mutex> lock(impl_->stop_mu);
  if (impl_->stopped) return;
  impl_->stopped = true;
  ConnectionRegistry& connections = *impl_->state->connections;
  impl_->listener->Close();
  connections.ShutdownAll(/*force=*/false);  // idle ones close now, busy ones after replying
  if (!connections.WaitUntilEmpty(impl_->state->options.drain_timeout)) {
    connections.ShutdownAll(/*force=*/true);
    connections.WaitUntilEmpty(kUnwindTimeout);
  }
  // Replies from now on find the gate closed: the event loop is about to go.
  connections.CloseReplies();
  impl_->JoinEventLoop();
}

}  // namespace vit::server::http
