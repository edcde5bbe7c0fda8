#include "server/batch_scheduler.h"

#include <algorithm>

namespace vit::server {

bool DeadlinePassed(const BatchTask& task, int64_t now) {
  if (task.deadline_micros == 0) return false;
  if (task.deadline_micros <= now) return true;
  return task.deadline_micros - now <= kCancelAtDeadlineMicros && task.Cancelled();
}

Status ValidateBatchSchedulerOptions(const BatchSchedulerOptions& options) {
  if (options.max_batch_size < 1) {
    return InvalidArgumentError("max_batch_size must be >= 1; got " +
                                std::to_string(options.max_batch_size));
  }
  if (options.max_queue_delay_microseconds < 0) {
    return InvalidArgumentError("max_queue_delay_microseconds must be >= 0; got " +
                                std::to_string(options.max_queue_delay_microseconds));
  }
  if (options.max_queue_size < 0) {
    return InvalidArgumentError("max_queue_size must be >= 0 (0 = unbounded); got " +
                                std::to_string(options.max_queue_size));
  }
  for (int size : options.preferred_batch_sizes) {
    if (size < 1 || size > options.max_batch_size) {
      return InvalidArgumentError("preferred_batch_sizes must lie in [1, max_batch_size = " +
                                  std::to_string(options.max_batch_size) + "]; got " +
                                  std::to_string(size));
    }
  }
  return Status::Ok();
}

size_t BatchSizeToClose(const BatchSchedulerOptions& options, size_t queued,
                        int64_t oldest_enqueue_micros, int64_t now, int64_t* flush_at_micros) {
  const size_t max_batch = static_cast<size_t>(options.max_batch_size);
  size_t largest_preferred = 0;
  for (int size : options.preferred_batch_sizes)
    largest_preferred = std::max(largest_preferred, static_cast<size_t>(size));
  if (largest_preferred > 0 && queued >= largest_preferred) return largest_preferred;
  if (queued >= max_batch) return max_batch;
  const int64_t flush_at = oldest_enqueue_micros + options.max_queue_delay_microseconds;
  if (now >= flush_at) {
    size_t best_preferred = 0;
    for (int size : options.preferred_batch_sizes) {
      if (static_cast<size_t>(size) <= queued)
        best_preferred = std::max(best_preferred, static_cast<size_t>(size));
    }
    return best_preferred > 0 ? best_preferred : std::min(queued, max_batch);
  }
  *flush_at_micros = flush_at;
  return 0;
}

}  // namespace vit::server
