// One interface over the server's three front doors, so that classify,
// health, info and load do the same work through each: vit.v1 (our own gRPC
// API), the Open Inference Protocol over gRPC (KServe v2 / Triton's
// inference.GRPCInferenceService) and the Open Inference Protocol over HTTP
// (REST with Triton's binary tensor data extension).
//
// Every call returns a grpc::Status: gRPC's codes are the one vocabulary the
// reports (load's errors by code, --mix's expected codes) use; HTTP answers
// are mapped to them (HttpStatusToGrpcCode).
#pragma once

#include <grpcpp/support/status.h>

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "tools/vit-client/model_rows.h"

namespace vit::client {

enum class Protocol {
  kVit,      // vit.v1.VitService + grpc.health.v1
  kOipGrpc,  // inference.GRPCInferenceService
  kOipHttp,  // /v2/... REST, binary tensor data extension
};

/// "vit", "oip-grpc", "oip-http".
const char* ProtocolName(Protocol protocol);
/// The inverse of ProtocolName; INVALID_ARGUMENT naming the choices otherwise.
StatusOr<Protocol> ParseProtocol(const std::string& name);
/// Where the protocol listens by default: "localhost:50051" for both gRPC
/// protocols (one gRPC server carries both services), "localhost:8000" for
/// oip-http (the server's --http-port default, Triton's).
const char* DefaultServerAddress(Protocol protocol);

struct Prediction {
  int class_index = 0;
  std::string label;
  float probability = 0.0f;
};

/// The server's own timings; only vit.v1 reports them.
struct ClassifyTimings {
  int64_t queue_us = 0, preprocess_us = 0, inference_us = 0, total_us = 0;
  int batch_size = 0;
};

struct ClassifyResult {
  /// The model that answered (vit.v1's model_id, the OIP response's model_name).
  std::string model_id;
  /// Best first.
  std::vector<Prediction> predictions;
  std::optional<ClassifyTimings> timings;
};

struct HealthResult {
  bool serving = false;
  /// "SERVING", "NOT_SERVING", or what the OIP checks said, e.g.
  /// "NOT_SERVING (live true, ready false)".
  std::string text;
};

struct InfoResult {
  /// What the server said, as JSON (vit.v1: ModelInfo in protobuf's JSON
  /// mapping; OIP: {"server", "metadata", "config"} objects).
  nlohmann::json json;
  /// The same for people.
  std::string text;
};

/// One client of one front door. Not thread-safe: the load generator gives
/// each caller its own (over a shared gRPC channel, or its own keep-alive
/// HTTP connection).
class FrontDoor {
 public:
  virtual ~FrontDoor() = default;

  /// Classifies one encoded image: the top `top_k` classes with their
  /// probabilities (0 = the server's default for vit.v1, 5 for OIP). Over
  /// OIP this is the "probabilities" output with Triton's classification
  /// extension (classification: top_k), so the server does what vit.v1
  /// Classify does: decode, preprocess, infer, softmax, top-k; and sends k
  /// entries, not the whole class vector.
  virtual grpc::Status Classify(const std::string& image, int top_k, ClassifyResult* result) = 0;

  /// vit.v1: grpc.health.v1 Check. OIP: live, ready and (with a model name)
  /// the model's readiness. A failed call is an error; "not ready" is not.
  virtual grpc::Status Health(HealthResult* result) = 0;

  /// vit.v1: GetModelInfo. OIP: server metadata, model metadata and config.
  virtual grpc::Status Info(InfoResult* result) = 0;

  /// The one model the server serves, asked through Triton's statistics
  /// extension (every model's statistics when no name is given); for OIP
  /// requests when --model is not given. NOT_FOUND when the server lists
  /// none or several (then --model must choose).
  virtual grpc::Status DiscoverModel(std::string* name) = 0;

  // The model repository (`vit-client models`). vit.v1: ListModels, and the
  // Open Inference Protocol's load / unload over the same channel (vit.v1
  // has no load / unload of its own); OIP: RepositoryIndex,
  // RepositoryModelLoad, RepositoryModelUnload. Loading a loaded model
  // reloads it from the repository.
  virtual grpc::Status ListModels(bool ready_only, std::vector<ModelRow>* rows) = 0;
  virtual grpc::Status LoadModel(const std::string& name) = 0;
  virtual grpc::Status UnloadModel(const std::string& name) = 0;
};

/// Triton's HTTP status for each gRPC code, read backwards: 2xx OK, 400
/// INVALID_ARGUMENT, 401 UNAUTHENTICATED, 403 PERMISSION_DENIED, 404
/// NOT_FOUND, 408 and 504 DEADLINE_EXCEEDED, 409 ALREADY_EXISTS, 413
/// INVALID_ARGUMENT (body over the limit), 429 RESOURCE_EXHAUSTED, 499
/// CANCELLED, 500 INTERNAL, 501 UNIMPLEMENTED, 503 UNAVAILABLE; any other
/// 4xx INVALID_ARGUMENT (FAILED_PRECONDITION for 412), 5xx INTERNAL, else
/// UNKNOWN.
grpc::StatusCode HttpStatusToGrpcCode(int http_status);

}  // namespace vit::client
