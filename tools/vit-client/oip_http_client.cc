#include "tools/vit-client/oip_http_client.h"

#include <httplib.h>

#include <chrono>
#include <utility>

#include "rpc/status_mapping.h"
#include "tools/vit-client/oip_http_codec.h"
#include "tools/vit-client/oip_wire.h"

namespace vit::client {
namespace {

using SteadyClock = std::chrono::steady_clock;

// No answer: a timeout (as gRPC's deadline) when the call took --timeout-ms,
// else the server is unreachable or hung up.
grpc::Status TransportError(const httplib::Result& result, const std::string& what,
                            SteadyClock::time_point start, int timeout_ms) {
  const auto elapsed = SteadyClock::now() - start;
  const bool timed_out = timeout_ms > 0 && elapsed >= std::chrono::milliseconds(timeout_ms);
  return grpc::Status(
      timed_out ? grpc::StatusCode::DEADLINE_EXCEEDED : grpc::StatusCode::UNAVAILABLE,
      what + ": " + httplib::to_string(result.error()));
}

grpc::Status AnswerStatus(const httplib::Response& response) {
  const grpc::StatusCode code = HttpStatusToGrpcCode(response.status);
  if (code == grpc::StatusCode::OK) return grpc::Status::OK;
  return grpc::Status(
      code, "HTTP " + std::to_string(response.status) + ": " + oip::ErrorMessage(response.body));
}

httplib::Headers RequestHeaders(const rpc::ConnectionOptions& connection) {
  httplib::Headers headers;
  if (!connection.token.empty()) headers.emplace("Authorization", "Bearer " + connection.token);
  return headers;
}

}  // namespace

StatusOr<std::unique_ptr<OipHttpFrontDoor>> OipHttpFrontDoor::Create(
    const rpc::ConnectionOptions& connection, std::string model) {
  bool tls = connection.tls;
  VIT_ASSIGN_OR_RETURN(const std::string base, oip::HttpBaseUrl(connection.server, &tls));
  auto client = std::make_unique<httplib::Client>(base, connection.tls_cert, connection.tls_key);
  if (!client->is_valid())
    return InvalidArgumentError("--server " + connection.server + ": not a usable HTTP address");
  client->set_keep_alive(true);   // one connection for all of this door's calls
  client->set_decompress(false);  // do not ask for compressed answers
  // httplib writes the headers and the body apart: without TCP_NODELAY,
  // Nagle's algorithm holds the body until the server's delayed ACK (~40 ms).
  client->set_tcp_nodelay(true);
  if (connection.timeout_ms > 0) {
    const std::chrono::milliseconds timeout(connection.timeout_ms);
    client->set_connection_timeout(timeout);
    client->set_read_timeout(timeout);
    client->set_write_timeout(timeout);
  }
  if (tls) {
    if (!connection.tls_ca.empty()) client->set_ca_cert_path(connection.tls_ca);
    client->enable_server_certificate_verification(true);
  }
  return std::unique_ptr<OipHttpFrontDoor>(
      new OipHttpFrontDoor(connection, base, std::move(client), std::move(model)));
}

OipHttpFrontDoor::OipHttpFrontDoor(const rpc::ConnectionOptions& connection, std::string base_url,
                                   std::unique_ptr<httplib::Client> client, std::string model)
    : connection_(connection),
      base_url_(std::move(base_url)),
      client_(std::move(client)),
      model_(std::move(model)) {}

OipHttpFrontDoor::~OipHttpFrontDoor() = default;

grpc::Status OipHttpFrontDoor::Get(const std::string& path, std::string* body, bool* answered) {
  const auto start = SteadyClock::now();
  httplib::Result result = client_->Get(path, RequestHeaders(connection_));
  if (answered != nullptr) *answered = static_cast<bool>(result);
  if (!result)
    return TransportError(result, "GET " + base_url_ + path, start, connection_.timeout_ms);
  grpc::Status status = AnswerStatus(*result);  // reads the error body before it moves
  *body = std::move(result->body);
  return status;
}

grpc::Status OipHttpFrontDoor::PostJson(const std::string& path, const std::string& json,
                                        std::string* body) {
  const auto start = SteadyClock::now();
  httplib::Result result =
      client_->Post(path, RequestHeaders(connection_), json, "application/json");
  if (!result)
    return TransportError(result, "POST " + base_url_ + path, start, connection_.timeout_ms);
  grpc::Status status = AnswerStatus(*result);  // reads the error body before it moves
  *body = std::move(result->body);
  return status;
}

grpc::Status OipHttpFrontDoor::Classify(const std::string& image, int top_k,
                                        ClassifyResult* result) {
  const oip::InferBodyHead head = oip::BuildClassifyBodyHead(image.size(), top_k);
  httplib::Headers headers = RequestHeaders(connection_);
  headers.emplace(oip::kHeaderLengthHeader, std::to_string(head.json.size()));
  const std::string_view parts[] = {head.json, head.length_prefix, image};
  const size_t body_size = parts[0].size() + parts[1].size() + parts[2].size();
  // The parts go to the socket as they are: a body string would copy the
  // image twice per request (ours, then httplib's), which costs as much as
  // the rest of the client's work on a large image.
  const auto provide = [&parts](size_t offset, size_t /*length*/, httplib::DataSink& sink) {
    for (std::string_view part : parts) {
      if (offset < part.size()) return sink.write(part.data() + offset, part.size() - offset);
      offset -= part.size();
    }
    return true;
  };
  const auto start = SteadyClock::now();
  const std::string path = oip::ModelPath(model_, "/infer");
  httplib::Result answer =
      client_->Post(path, headers, body_size, provide, "application/octet-stream");
  if (!answer)
    return TransportError(answer, "POST " + base_url_ + path, start, connection_.timeout_ms);
  if (grpc::Status status = AnswerStatus(*answer); !status.ok()) return status;
  size_t json_length = 0;
  const std::string length = answer->get_header_value(oip::kHeaderLengthHeader);
  if (!length.empty()) {
    try {
      json_length = std::stoul(length);
    } catch (const std::exception&) {
      return grpc::Status(grpc::StatusCode::DATA_LOSS, std::string(oip::kHeaderLengthHeader) +
                                                           " '" + length + "' is not a size");
    }
  }
  StatusOr<ClassifyResult> parsed = oip::ParseClassifyBody(answer->body, json_length);
  if (!parsed.ok()) return rpc::ToGrpcStatus(parsed.status());
  *result = std::move(parsed).value();
  return grpc::Status::OK;
}

grpc::Status OipHttpFrontDoor::Health(HealthResult* result) {
  // Readiness is the status code: 200 ready, 503 (or any answer) not.
  const auto check = [this](const std::string& path, bool* ok) {
    std::string body;
    bool answered = false;
    grpc::Status status = Get(path, &body, &answered);
    *ok = status.ok();
    return answered ? grpc::Status::OK : status;
  };
  bool live = false, ready = false;
  if (grpc::Status status = check("/v2/health/live", &live); !status.ok()) return status;
  if (grpc::Status status = check("/v2/health/ready", &ready); !status.ok()) return status;
  result->serving = live && ready;
  std::string detail =
      std::string("live ") + (live ? "true" : "false") + ", ready " + (ready ? "true" : "false");
  if (!model_.empty()) {
    bool model_ready = false;
    if (grpc::Status status = check(oip::ModelPath(model_, "/ready"), &model_ready); !status.ok())
      return status;
    result->serving = result->serving && model_ready;
    detail += ", model " + model_ + " ready " + (model_ready ? "true" : "false");
  }
  result->text = std::string(result->serving ? "SERVING" : "NOT_SERVING") + " (" + detail + ")";
  return grpc::Status::OK;
}

grpc::Status OipHttpFrontDoor::Info(InfoResult* result) {
  nlohmann::json info = nlohmann::json::object();
  const std::pair<const char*, std::string> parts[] = {
      {"server", "/v2"},
      {"metadata", oip::ModelPath(model_)},
      {"config", oip::ModelPath(model_, "/config")}};
  for (const auto& [key, path] : parts) {
    std::string body;
    if (grpc::Status status = Get(path, &body); !status.ok()) return status;
    nlohmann::json document = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
    if (document.is_discarded()) {
      return grpc::Status(grpc::StatusCode::DATA_LOSS, "GET " + path + ": the answer is not JSON");
    }
    // Triton's config endpoint answers the ModelConfig itself; some servers wrap it.
    if (std::string(key) == "config" && document.contains("config")) document = document["config"];
    info[key] = std::move(document);
  }
  result->json = std::move(info);
  result->text = oip::InfoText(result->json);
  return grpc::Status::OK;
}

grpc::Status OipHttpFrontDoor::DiscoverModel(std::string* name) {
  std::string body;
  if (grpc::Status status = Get("/v2/models/stats", &body); !status.ok()) return status;
  StatusOr<std::vector<std::string>> names = oip::StatisticsModelNames(body);
  if (!names.ok()) return rpc::ToGrpcStatus(names.status());
  StatusOr<std::string> only = oip::OnlyModel(*names);
  if (!only.ok()) return rpc::ToGrpcStatus(only.status());
  *name = std::move(only).value();
  return grpc::Status::OK;
}

grpc::Status OipHttpFrontDoor::ListModels(bool ready_only, std::vector<ModelRow>* rows) {
  std::string body;
  grpc::Status status =
      PostJson("/v2/repository/index", ready_only ? R"({"ready": true})" : "{}", &body);
  if (!status.ok()) return status;
  StatusOr<std::vector<ModelRow>> parsed = RowsFromIndexJson(body);
  if (!parsed.ok()) return rpc::ToGrpcStatus(parsed.status());
  *rows = std::move(parsed).value();
  return status;
}

grpc::Status OipHttpFrontDoor::LoadModel(const std::string& name) {
  std::string body;
  return PostJson(oip::RepositoryModelPath(name, "/load"), "{}", &body);
}

grpc::Status OipHttpFrontDoor::UnloadModel(const std::string& name) {
  std::string body;
  return PostJson(oip::RepositoryModelPath(name, "/unload"), "{}", &body);
}

}  // namespace vit::client
