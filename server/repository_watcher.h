// Rescans the model repository on SIGHUP (every control mode) and, in poll
// mode, every --repository-poll-secs, on a thread of its own.
#pragma once

#include <atomic>
#include <functional>
#include <thread>

#include "server/model_manager.h"

namespace vit::server {

class RepositoryWatcher {
 public:
  /// `poll_secs` 0 = SIGHUP only. `manager` must outlive the watcher.
  /// SIGHUP must be blocked (BlockTerminationSignals()). `on_tick` (may be
  /// empty) runs on the watcher's thread at least every half second: the
  /// runner updates health from the default model's readiness there.
  RepositoryWatcher(ModelManager* manager, int poll_secs, std::function<void()> on_tick = {});
  ~RepositoryWatcher();  // Stop()
  RepositoryWatcher(const RepositoryWatcher&) = delete;
  RepositoryWatcher& operator=(const RepositoryWatcher&) = delete;
  /// Ends the thread (within half a second). Idempotent.
  void Stop();

 private:
  void Loop();

  ModelManager* const manager_;
  const int poll_secs_;
  const std::function<void()> on_tick_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace vit::server
