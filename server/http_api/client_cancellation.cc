#include "server/http_api/client_cancellation.h"

namespace vit::server::http_api {

std::shared_ptr<const std::atomic<bool>> CancelOnDisconnect(const http::HttpRequest& request,
                                                            ServingContext* serving) {
  if (request.disconnect == nullptr) return nullptr;
  request.disconnect->OnDisconnect([serving] { serving->WakeForCancellation(); });
  return request.disconnect->flag();
}

}  // namespace vit::server::http_api
