#include "server/http/connection_registry.h"

#include <vector>

namespace vit::server::http {

std::optional<uint64_t> ConnectionRegistry::Add(std::weak_ptr<LiveConnection> connection) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!accepting_ || connections_.size() >= static_cast<size_t>(max_connections_)) {
    return std::nullopt;
  }
  const uint64_t id = next_id_++;
  connections_.emplace(id, std::move(connection));
  return id;
}

void ConnectionRegistry::Remove(uint64_t id) {
  std::lock_guard<std::mutex> lock(mu_);
  if (connections_.erase(id) > 0 && connections_.empty()) emptied_.notify_all();
}

size_t ConnectionRegistry::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return connections_.size();
}

void ConnectionRegistry::ShutdownAll(bool force) {
  std::vector<std::shared_ptr<LiveConnection>> open;
  {
    std::lock_guard<std::mutex> lock(mu_);
    accepting_ = false;
    for (const auto& [id, connection] : connections_) {
      if (auto locked = connection.lock()) open.push_back(std::move(locked));
    }
  }
  // Outside mu_: dropping `open` may destroy a connection, which calls Remove().
  for (const auto& connection : open) connection->PostShutdown(force);
}

bool ConnectionRegistry::WaitUntilEmpty(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  return emptied_.wait_for(lock, timeout, [this] { return connections_.empty(); });
}

void ConnectionRegistry::IfRepliesOpen(const std::function<void()>& post) {
  std::shared_lock<std::shared_mutex> lock(replies_mu_);
  if (replies_open_) post();
}

void ConnectionRegistry::CloseReplies() {
  std::unique_lock<std::shared_mutex> lock(replies_mu_);
  replies_open_ = false;
}

}  // namespace vit::server::http
