// An HTTP request's cancellation flag for the pipeline: set when the client
// closes its connection before the answer (http::ClientDisconnect), with the
// executor woken so that the request's queued work is dropped at once.
#pragma once

#include <atomic>
#include <memory>

#include "server/http/http_message.h"
#include "server/serving_context.h"

namespace vit::server::http_api {

/// The flag for InferenceRequest::cancelled; nullptr (never cancelled) for a
/// request without a transport. `serving` must outlive the HTTP server.
std::shared_ptr<const std::atomic<bool>> CancelOnDisconnect(const http::HttpRequest& request,
                                                            ServingContext* serving);

}  // namespace vit::server::http_api
