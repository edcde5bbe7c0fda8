#include "server/batch_scheduler.h"

namespace vit::server {

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

}  // namespace vit::server
