#include "server/repository_watcher.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <utility>

#include "server/shutdown_signal.h"

namespace vit::server {

RepositoryWatcher::RepositoryWatcher(ModelManager* manager, int poll_secs,
                                     std::function<void()> on_tick)
    : manager_(manager),
      poll_secs_(poll_secs),
      on_tick_(std::move(on_tick)),
      thread_([this] { Loop(); }) {}

RepositoryWatcher::~RepositoryWatcher() { Stop(); }

void RepositoryWatcher::Stop() {
  stopping_.store(true);
  if (thread_.joinable()) thread_.join();
}

void RepositoryWatcher::Loop() {
  using Clock = std::chrono::steady_clock;
  auto next_poll = Clock::now() + std::chrono::seconds(poll_secs_);
  while (!stopping_.load()) {
    if (on_tick_) on_tick_();
    const bool signalled = WaitForRescanSignal(/*timeout_ms=*/500);
    const bool poll = poll_secs_ > 0 && Clock::now() >= next_poll;
    if (!signalled && !poll) continue;
    if (poll) next_poll = Clock::now() + std::chrono::seconds(poll_secs_);
    if (signalled) spdlog::info("SIGHUP: rescanning the model repository");
    Status status = manager_->Rescan();
    if (!status.ok()) spdlog::error("repository rescan: {}", status.ToString());
  }
}

}  // namespace vit::server
