#include "server/clock.h"

namespace vit::server {

int64_t SteadyClock::NowMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

void SteadyClock::WaitUntil(std::condition_variable& cv, std::unique_lock<std::mutex>& lock,
                            int64_t deadline_micros) {
  cv.wait_until(lock,
                std::chrono::steady_clock::time_point(std::chrono::microseconds(deadline_micros)));
}

SteadyClock* SteadyClock::Get() {
  static SteadyClock clock;
  return &clock;
}

}  // namespace vit::server
