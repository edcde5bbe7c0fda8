#include "server/http/http_reply.h"

#include <atomic>
#include <utility>

namespace vit::server::http {
namespace {

// Shared by every copy of one HttpReply.
class ReplyOnce {
 public:
  ReplyOnce(std::shared_ptr<ConnectionRegistry> registry, std::weak_ptr<LiveConnection> connection,
            std::shared_ptr<const HttpRequest> request)
      : registry_(std::move(registry)),
        connection_(std::move(connection)),
        request_(std::move(request)) {}
  ReplyOnce(const ReplyOnce&) = delete;
  ReplyOnce& operator=(const ReplyOnce&) = delete;

  ~ReplyOnce() {
    if (!replied_.exchange(true)) {
      Send(JsonErrorResponse(500, "internal error: the request handler did not reply"));
    }
  }

  void Reply(HttpResponse response) {
    if (!replied_.exchange(true)) Send(std::move(response));
  }

 private:
  void Send(HttpResponse response) {
    registry_->IfRepliesOpen([&] {
      // Locked and released inside the gate: while it is open the event loop
      // exists, so the last reference may go here.
      if (std::shared_ptr<LiveConnection> connection = connection_.lock()) {
        connection->PostReply(std::move(response));
      }
    });
  }

  const std::shared_ptr<ConnectionRegistry> registry_;
  const std::weak_ptr<LiveConnection> connection_;
  const std::shared_ptr<const HttpRequest> request_;
  std::atomic<bool> replied_{false};
};

}  // namespace

HttpReply MakeHttpReply(std::shared_ptr<ConnectionRegistry> registry,
                        std::weak_ptr<LiveConnection> connection,
                        std::shared_ptr<const HttpRequest> request) {
  auto once =
      std::make_shared<ReplyOnce>(std::move(registry), std::move(connection), std::move(request));
  return [once = std::move(once)](HttpResponse response) { once->Reply(std::move(response)); };
}

}  // namespace vit::server::http
