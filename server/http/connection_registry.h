// The server's list of open connections (to count them and to close them on
// Stop()), and the gate that lets replies reach them only while the event
// loop still runs.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>

#include "server/http/http_message.h"

namespace vit::server::http {

/// What the server and a request's HttpReply may ask of a connection, from
/// any thread: each call is posted to the connection's own strand.
class LiveConnection {
 public:
  virtual ~LiveConnection() = default;
  /// Writes `response` for the request the connection waits on, if it still
  /// waits on one.
  virtual void PostReply(HttpResponse response) = 0;
  /// Closes the connection now when idle or when `force`; else after the
  /// response in progress, which goes out with Connection: close.
  virtual void PostShutdown(bool force) = 0;
};

class ConnectionRegistry {
 public:
  explicit ConnectionRegistry(int max_connections) : max_connections_(max_connections) {}

  /// Registers `connection`; its id, or nullopt when max_connections are open
  /// or ShutdownAll() was called.
  std::optional<uint64_t> Add(std::weak_ptr<LiveConnection> connection);
  /// Forgets connection `id` (from the connection's destructor); idempotent.
  void Remove(uint64_t id);
  size_t size() const;

  /// Refuses further Add()s and asks every open connection to shut down.
  void ShutdownAll(bool force);
  /// Whether every connection was removed within `timeout`.
  bool WaitUntilEmpty(std::chrono::milliseconds timeout);

  /// Runs `post` (a reply posting itself to its connection) unless
  /// CloseReplies() was called; the event loop exists while it runs.
  void IfRepliesOpen(const std::function<void()>& post);
  /// From now on IfRepliesOpen() runs nothing; waits for the ones running.
  void CloseReplies();

 private:
  const int max_connections_;

  mutable std::mutex mu_;  // guards connections_, next_id_, accepting_
  std::condition_variable emptied_;
  std::map<uint64_t, std::weak_ptr<LiveConnection>> connections_;
  uint64_t next_id_ = 1;
  bool accepting_ = true;

  // Shared by replies, exclusive for CloseReplies(). Not mu_: a reply may
  // release the last reference to a connection, whose destructor calls Remove().
  std::shared_mutex replies_mu_;
  bool replies_open_ = true;  // guarded by replies_mu_
};

}  // namespace vit::server::http
