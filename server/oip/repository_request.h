// The checks the Open Inference Protocol's repository extension requests
// share over gRPC and HTTP (Triton's RepositoryIndex, RepositoryModelLoad,
// RepositoryModelUnload), wire-independent: which repository and which
// parameters a request may name.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"

namespace vit::server::oip {

enum class RepositoryCall { kIndex, kLoad, kUnload };

/// The call's metrics and log name: "RepositoryIndex", "RepositoryModelLoad",
/// "RepositoryModelUnload".
const char* RepositoryCallName(RepositoryCall call);

/// The server has one repository: `repository_name` must be empty
/// (INVALID_ARGUMENT otherwise). Of Triton's parameters only unload's
/// "unload_dependents" is accepted (there are no ensembles, so it changes
/// nothing); load's "config" and "file:..." overrides are UNIMPLEMENTED, any
/// other name INVALID_ARGUMENT.
Status CheckRepositoryRequest(RepositoryCall call, const std::string& repository_name,
                              const std::vector<std::string>& parameter_names);

}  // namespace vit::server::oip
