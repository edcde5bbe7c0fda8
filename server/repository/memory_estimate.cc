#include "server/repository/memory_estimate.h"

namespace vit::server::repository {

int64_t EstimateModelBytes(int64_t weights_bytes, const std::string& dtype) {
  if (dtype == "bf16") return weights_bytes / 2;
  if (dtype == "int8") return weights_bytes / 4;
  return weights_bytes;
}

}  // namespace vit::server::repository
