// Scores through a running vit-server (plaintext or TLS, with a bearer token:
// rpc/channel.h): files are read on the pipeline's workers and sent over one
// ClassifyStream; the server decodes, batches and
// runs the model. Responses arrive in completion order and are matched by
// request_id. Per-image RESOURCE_EXHAUSTED / UNAVAILABLE answers are retried;
// a broken stream is reopened; only when that keeps failing does Score fail.
#pragma once

#include <grpcpp/grpcpp.h>

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>

#include "common/explanation.h"
#include "preprocessing/image_preprocessor.h"
#include "rpc/channel.h"
#include "score/scoring_backend.h"
#include "vit/v1/vit.grpc.pb.h"

namespace vit::score {

struct RemoteOptions {
  /// The vit-server: address, TLS, token; connection.timeout_ms is the
  /// deadline of GetModelInfo when connecting (the stream has none).
  rpc::ConnectionOptions connection;
  /// Only max_image_bytes is checked here: bigger files fail with
  /// INVALID_ARGUMENT without being sent. The server applies its own limits.
  preprocessing::PreprocessOptions preprocess;
  /// Predictions per file. Default 5.
  int top_k = 5;
  /// Tries per batch (stream reopened) and per image (retryable codes). Default 4.
  int attempts = 4;
  /// Also fetch each file's explanation overlay: the batch is then sent as
  /// concurrent unary Explain calls (overlay_png set) instead of over
  /// ClassifyStream, and the predictions come from them. Default false.
  bool explain_overlays = false;
  ExplainSpec explain;
};

class GrpcBackend final : public ScoringBackend {
 public:
  /// Reads the connection's TLS files and token (INVALID_ARGUMENT naming the
  /// flag), connects and asks the server for its model (UNAVAILABLE when
  /// unreachable or refused, with the gRPC code, e.g. UNAUTHENTICATED).
  static StatusOr<std::unique_ptr<GrpcBackend>> Connect(const RemoteOptions& options);
  ~GrpcBackend() override;

  std::string Describe() const override;
  int num_classes() const override { return model_.num_classes(); }
  Status Prepare(const std::string& path, PreparedInput* input) const override;
  Status Score(const std::vector<PreparedInput*>& inputs,
               std::vector<ScoreResult>* results) override;

 private:
  // One ClassifyStream call and the thread that reads its responses.
  struct Stream {
    grpc::ClientContext context;
    std::unique_ptr<grpc::ClientReaderWriter<v1::ClassifyRequest, v1::ClassifyStreamResponse>> call;
    std::thread reader;
    std::mutex mu;  // guards responses and ended
    std::condition_variable changed;
    std::unordered_map<uint64_t, v1::ClassifyStreamResponse> responses;
    bool ended = false;
  };

  GrpcBackend(const RemoteOptions& options, std::shared_ptr<grpc::Channel> channel)
      : options_(options), channel_(std::move(channel)), stub_(v1::VitService::NewStub(channel_)) {}
  void OpenStream();
  // Ends the call: cancels it when `cancel`, else half-closes and drains it.
  Status CloseStream(bool cancel);
  // Sends `pending` (indices into inputs) once; answered ones leave `pending`.
  bool SendAndCollect(const std::vector<PreparedInput*>& inputs, std::vector<size_t>* pending,
                      std::vector<ScoreResult>* results, std::vector<int>* tries);

  // Score() with explain_overlays: one Explain call per input, all in flight
  // together, retryable codes retried.
  Status ExplainBatch(const std::vector<PreparedInput*>& inputs, std::vector<ScoreResult>* results);
  // One round of concurrent Explain calls for `pending`; leaves in it the
  // indices to retry.
  void ExplainRound(const std::vector<PreparedInput*>& inputs, std::vector<size_t>* pending,
                    std::vector<ScoreResult>* results, std::vector<int>* tries);

  const RemoteOptions options_;
  const std::shared_ptr<grpc::Channel> channel_;
  const std::unique_ptr<v1::VitService::Stub> stub_;
  v1::ModelInfo model_;
  std::unique_ptr<Stream> stream_;
  uint64_t next_request_id_ = 1;
};

}  // namespace vit::score
