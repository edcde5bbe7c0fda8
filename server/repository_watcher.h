// Rescans the model repository on SIGHUP (every control mode) and, in poll
// mode, every --repository-poll-secs, on a thread of its own.
#pragma once

#include <atomic>
#include <thread>

#include "server/model_manager.h"

namespace vit::server {

class RepositoryWatcher {
 public:
  /// `poll_secs` 0 = SIGHUP only. `manager` must outlive the watcher.
  /// SIGHUP must be blocked (BlockTerminationSignals()).
  RepositoryWatcher(ModelManager* manager, int poll_secs);
  ~RepositoryWatcher();  // Stop()
  RepositoryWatcher(const RepositoryWatcher&) = delete;
  RepositoryWatcher& operator=(const RepositoryWatcher&) = delete;
  /// Ends the thread (within half a second). Idempotent.
  void Stop();

 private:
  void Loop();

  ModelManager* const manager_;
  const int poll_secs_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace vit::server
