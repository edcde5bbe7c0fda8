// The JSON bodies of Triton's model repository extension over HTTP:
//   POST /v2/repository/index              body {} or {"ready": true} (or none)
//                                          -> [{"name", "version", "state", "reason"}, ...]
//   POST /v2/repository/models/{m}/load    body {} or {"parameters": {...}} (or none)
//   POST /v2/repository/models/{m}/unload  likewise -> 200 with an empty body
// Which parameters a call may carry is oip::CheckRepositoryRequest's.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "server/model_control.h"

namespace vit::server::http_api {

/// Control bodies are small: longer ones are INVALID_ARGUMENT unread.
constexpr size_t kMaxRepositoryBodyBytes = 4096;

/// The index request's "ready" (false without a body). INVALID_ARGUMENT for
/// a body that is not a JSON object, a "ready" that is not a boolean, or any
/// other key.
StatusOr<bool> ParseIndexRequest(std::string_view body);

/// The names of a load or unload request's "parameters" (none without a
/// body). INVALID_ARGUMENT for a body that is not a JSON object, a
/// "parameters" that is not an object, or any other key.
StatusOr<std::vector<std::string>> ParseControlParameters(std::string_view body);

/// The index as Triton writes it: a JSON array of {"name", "version",
/// "state", "reason"} in the index's order.
std::string RepositoryIndexJson(const std::vector<ModelIndexEntry>& entries);

}  // namespace vit::server::http_api
