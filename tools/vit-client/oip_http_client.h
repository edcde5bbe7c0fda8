// The Open Inference Protocol over HTTP/REST front door: one keep-alive
// connection (cpp-httplib's client; plain HTTP or HTTPS with --tls-ca and a
// client certificate), the bearer token as "Authorization: Bearer TOKEN",
// --timeout-ms as the connect, read and write timeouts.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "rpc/channel.h"
#include "tools/vit-client/front_door.h"

namespace httplib {
class Client;
}

namespace vit::client {

class OipHttpFrontDoor final : public FrontDoor {
 public:
  /// connection.server is HOST:PORT or an http(s):// URL (oip::HttpBaseUrl).
  /// INVALID_ARGUMENT for an address that is neither.
  static StatusOr<std::unique_ptr<OipHttpFrontDoor>> Create(
      const rpc::ConnectionOptions& connection, std::string model);
  ~OipHttpFrontDoor() override;

  /// POST /v2/models/{m}/infer with the binary tensor data extension.
  grpc::Status Classify(const std::string& image, int top_k, ClassifyResult* result) override;
  /// GET /v2/health/live, /v2/health/ready and, with a model, /v2/models/{m}/ready.
  grpc::Status Health(HealthResult* result) override;
  /// GET /v2, /v2/models/{m} and /v2/models/{m}/config.
  grpc::Status Info(InfoResult* result) override;
  /// GET /v2/models/stats: every model's statistics.
  grpc::Status DiscoverModel(std::string* name) override;
  /// POST /v2/repository/index, /v2/repository/models/{m}/load and /unload.
  grpc::Status ListModels(bool ready_only, std::vector<ModelRow>* rows) override;
  grpc::Status LoadModel(const std::string& name) override;
  grpc::Status UnloadModel(const std::string& name) override;

 private:
  OipHttpFrontDoor(const rpc::ConnectionOptions& connection, std::string base_url,
                   std::unique_ptr<httplib::Client> client, std::string model);
  /// GET `path`: OK with the body for 200; the mapped code with the error
  /// message otherwise. `answered` (may be null): whether any HTTP answer came.
  grpc::Status Get(const std::string& path, std::string* body, bool* answered = nullptr);
  /// POST `json` to `path`; as Get.
  grpc::Status PostJson(const std::string& path, const std::string& json, std::string* body);

  const rpc::ConnectionOptions& connection_;
  std::string base_url_;  // "http(s)://HOST:PORT", for messages
  std::unique_ptr<httplib::Client> client_;
  std::string model_;
};

}  // namespace vit::client
