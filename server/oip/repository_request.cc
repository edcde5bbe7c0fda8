#include "server/oip/repository_request.h"

namespace vit::server::oip {

const char* RepositoryCallName(RepositoryCall call) {
  switch (call) {
    case RepositoryCall::kIndex:
      return "RepositoryIndex";
    case RepositoryCall::kLoad:
      return "RepositoryModelLoad";
    case RepositoryCall::kUnload:
      return "RepositoryModelUnload";
  }
  return "Repository";
}

Status CheckRepositoryRequest(RepositoryCall call, const std::string& repository_name,
                              const std::vector<std::string>& parameter_names) {
  const std::string what = RepositoryCallName(call);
  if (!repository_name.empty()) {
    return InvalidArgumentError(what + ": unknown repository '" + repository_name +
                                "'; this server has one model repository: leave "
                                "repository_name empty");
  }
  for (const std::string& name : parameter_names) {
    if (call == RepositoryCall::kUnload && name == "unload_dependents") continue;
    if (call == RepositoryCall::kLoad && (name == "config" || name.rfind("file:", 0) == 0)) {
      return UnimplementedError(what + ": parameter '" + name +
                                "' (a configuration or file override) is not supported; "
                                "change the model's folder in the repository and load it");
    }
    return InvalidArgumentError(what + ": unknown parameter '" + name + "'");
  }
  return Status::Ok();
}

}  // namespace vit::server::oip
