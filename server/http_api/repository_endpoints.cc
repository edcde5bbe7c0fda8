#include "server/http_api/repository_endpoints.h"

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "server/http_api/http_status.h"
#include "server/http_api/repository_documents.h"
#include "server/oip/repository_request.h"

namespace vit::server::http_api {
namespace {

using SteadyClock = std::chrono::steady_clock;

http::HttpResponse Answer(const Status& status, std::string body) {
  if (!status.ok()) return http::JsonErrorResponse(HttpStatusFor(status.code()), status.message());
  http::HttpResponse response;
  response.body = std::move(body);
  if (response.body.empty()) response.content_type = "";  // Triton: 200, no body
  return response;
}

}  // namespace

void RepositoryEndpoints::Handle(const Route& route,
                                 std::shared_ptr<const http::HttpRequest> request,
                                 http::HttpReply reply) {
  const auto start = SteadyClock::now();
  ControlCallRecord record;
  record.protocol = route.protocol;
  record.method = route.name;
  record.peer = request->peer;
  record.model = route.model;
  ServingContext* serving = serving_;
  // Counts, logs and replies; the one way out of every path below.
  auto finish = [serving, record, start, reply = std::move(reply)](const Status& status,
                                                                   std::string body) mutable {
    record.status = status;
    record.elapsed_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(SteadyClock::now() - start).count();
    serving->RecordControl(record);
    reply(Answer(status, std::move(body)));
  };

  if (route.endpoint == Endpoint::kRepositoryIndex) {
    StatusOr<bool> ready = ParseIndexRequest(request->body);
    if (!ready.ok()) return finish(ready.status(), "");
    StatusOr<std::vector<ModelIndexEntry>> index = serving_->model_control().Index(*ready);
    if (!index.ok()) return finish(index.status(), "");
    return finish(Status::Ok(), RepositoryIndexJson(*index));
  }
  const bool load = route.endpoint == Endpoint::kRepositoryLoad;
  const oip::RepositoryCall call = load ? oip::RepositoryCall::kLoad : oip::RepositoryCall::kUnload;
  StatusOr<std::vector<std::string>> parameters = ParseControlParameters(request->body);
  Status checked = parameters.status();
  if (checked.ok())
    checked = oip::CheckRepositoryRequest(call, /*repository_name=*/"", *parameters);
  if (!checked.ok()) return finish(checked, "");
  auto done = [finish = std::move(finish)](const Status& status) mutable { finish(status, ""); };
  if (load) {
    serving_->model_control().Load(route.model, std::move(done));
  } else {
    serving_->model_control().Unload(route.model, std::move(done));
  }
}

}  // namespace vit::server::http_api
