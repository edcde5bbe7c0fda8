// GrpcInferenceServiceImpl's repository extension RPCs: RepositoryIndex,
// RepositoryModelLoad and RepositoryModelUnload over the ServingContext's
// ModelControlRunner. Load and unload return their reactor at once and
// finish it from a control thread.
#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "rpc/status_mapping.h"
#include "server/oip/grpc_inference_service.h"
#include "server/oip/repository_request.h"

namespace vit::server::oip {
namespace {

constexpr const char* kProtocol = "oip-grpc";

using SteadyClock = std::chrono::steady_clock;

int64_t MillisecondsSince(SteadyClock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(SteadyClock::now() - start).count();
}

template <typename Map>
std::vector<std::string> Keys(const Map& map) {
  std::vector<std::string> keys;
  for (const auto& [key, value] : map) keys.push_back(key);
  return keys;
}

// Counts and logs the call, then finishes it with `status`.
void Answer(ServingContext* serving, RepositoryCall call, const std::string& peer,
            const std::string& model, SteadyClock::time_point start, const Status& status,
            grpc::ServerUnaryReactor* reactor) {
  ControlCallRecord record;
  record.protocol = kProtocol;
  record.method = RepositoryCallName(call);
  record.peer = peer;
  record.model = model;
  record.status = status;
  record.elapsed_ms = MillisecondsSince(start);
  serving->RecordControl(record);
  reactor->Finish(rpc::ToGrpcStatus(status));
}

void FillIndex(const std::vector<ModelIndexEntry>& entries,
               inference::RepositoryIndexResponse* response) {
  for (const ModelIndexEntry& entry : entries) {
    inference::RepositoryIndexResponse::ModelIndex* model = response->add_models();
    model->set_name(entry.name);
    model->set_version(entry.version);
    model->set_state(entry.state);
    model->set_reason(entry.reason);
  }
}

}  // namespace

grpc::ServerUnaryReactor* GrpcInferenceServiceImpl::RepositoryIndex(
    grpc::CallbackServerContext* context, const inference::RepositoryIndexRequest* request,
    inference::RepositoryIndexResponse* response) {
  const auto start = SteadyClock::now();
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  const RepositoryCall call = RepositoryCall::kIndex;
  if (grpc::Status status = Authenticate(RepositoryCallName(call), *context); !status.ok()) {
    reactor->Finish(status);
    return reactor;
  }
  Status status = CheckRepositoryRequest(call, request->repository_name(), {});
  if (status.ok()) {
    StatusOr<std::vector<ModelIndexEntry>> index =
        serving_->model_control().Index(request->ready());
    if (index.ok()) FillIndex(*index, response);
    status = index.status();
  }
  Answer(serving_, call, context->peer(), "", start, status, reactor);
  return reactor;
}

grpc::ServerUnaryReactor* GrpcInferenceServiceImpl::RepositoryModelLoad(
    grpc::CallbackServerContext* context, const inference::RepositoryModelLoadRequest* request,
    inference::RepositoryModelLoadResponse* /*response*/) {
  return StartModelControl(RepositoryCall::kLoad, context, *request);
}

grpc::ServerUnaryReactor* GrpcInferenceServiceImpl::RepositoryModelUnload(
    grpc::CallbackServerContext* context, const inference::RepositoryModelUnloadRequest* request,
    inference::RepositoryModelUnloadResponse* /*response*/) {
  return StartModelControl(RepositoryCall::kUnload, context, *request);
}

template <typename Request>
grpc::ServerUnaryReactor* GrpcInferenceServiceImpl::StartModelControl(
    RepositoryCall call, grpc::CallbackServerContext* context, const Request& request) {
  const auto start = SteadyClock::now();
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  if (grpc::Status status = Authenticate(RepositoryCallName(call), *context); !status.ok()) {
    reactor->Finish(status);
    return reactor;
  }
  // Copies: the control thread answers after the handler returned.
  const std::string peer = context->peer();
  const std::string model = request.model_name();
  Status checked =
      CheckRepositoryRequest(call, request.repository_name(), Keys(request.parameters()));
  if (!checked.ok()) {
    Answer(serving_, call, peer, model, start, checked, reactor);
    return reactor;
  }
  ServingContext* serving = serving_;
  auto done = [=](const Status& status) {
    Answer(serving, call, peer, model, start, status, reactor);
  };
  ModelControlRunner& control = serving_->model_control();
  if (call == RepositoryCall::kLoad) {
    control.Load(model, std::move(done));
  } else {
    control.Unload(model, std::move(done));
  }
  return reactor;
}

}  // namespace vit::server::oip
