#include "score/grpc_backend.h"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <sstream>
#include <utility>

#include "rpc/status_mapping.h"

namespace vit::score {
namespace {

bool Retryable(int code) {
  return code == grpc::StatusCode::RESOURCE_EXHAUSTED || code == grpc::StatusCode::UNAVAILABLE;
}

Status ToStatus(const grpc::Status& status) {
  return {rpc::FromGrpcCode(status.error_code()), status.error_message()};
}

// "UNAUTHENTICATED: invalid bearer token": the gRPC code's own name, which
// vit::StatusCode may not have.
std::string CodeAndMessage(const grpc::Status& status) {
  return std::string(rpc::GrpcCodeName(status.error_code())) + ": " + status.error_message();
}

}  // namespace

StatusOr<std::unique_ptr<GrpcBackend>> GrpcBackend::Connect(const RemoteOptions& options) {
  RemoteOptions loaded = options;
  VIT_RETURN_IF_ERROR(rpc::LoadConnectionFiles(&loaded.connection));
  // Room for the largest file the workers let through, plus the request's rest.
  const size_t largest_request = loaded.preprocess.max_image_bytes + (size_t{1} << 20);
  int& max_message_bytes = loaded.connection.max_message_bytes;
  if (static_cast<size_t>(max_message_bytes) < largest_request)
    max_message_bytes = static_cast<int>(largest_request);
  std::unique_ptr<GrpcBackend> backend(new GrpcBackend(loaded, rpc::Connect(loaded.connection)));
  grpc::ClientContext context;
  rpc::PrepareContext(loaded.connection, &context);
  context.set_wait_for_ready(true);  // the server may still be warming up
  const grpc::Status status =
      backend->stub_->GetModelInfo(&context, v1::GetModelInfoRequest(), &backend->model_);
  if (!status.ok()) {
    return UnavailableError("vit-server at " + options.connection.server +
                            ": GetModelInfo failed: " + CodeAndMessage(status));
  }
  return backend;
}

GrpcBackend::~GrpcBackend() {
  if (stream_) CloseStream(/*cancel=*/true);
}

std::string GrpcBackend::Describe() const {
  return model_.id() + " (" + model_.architecture() + ", " + model_.dtype() + ", vit-server at " +
         options_.connection.server + ")";
}

Status GrpcBackend::Prepare(const std::string& path, PreparedInput* input) const {
  std::ifstream file(path, std::ios::binary | std::ios::ate);
  if (!file) return NotFoundError(path + ": cannot open file");
  const std::streamoff size = file.tellg();
  if (size < 0) return NotFoundError(path + ": cannot read file");
  const size_t limit = options_.preprocess.max_image_bytes;
  if (static_cast<size_t>(size) > limit) {
    return InvalidArgumentError(path + ": file is " + std::to_string(size) +
                                " bytes, more than the limit of " + std::to_string(limit));
  }
  input->bytes.resize(static_cast<size_t>(size));
  file.seekg(0);
  if (!file.read(input->bytes.data(), size)) return DataLossError(path + ": read error");
  return Status::Ok();
}

void GrpcBackend::OpenStream() {
  stream_ = std::make_unique<Stream>();
  stream_->context.set_wait_for_ready(true);
  rpc::AddBearerToken(options_.connection, &stream_->context);
  stream_->call = stub_->ClassifyStream(&stream_->context);
  Stream* stream = stream_.get();
  stream_->reader = std::thread([stream] {
    v1::ClassifyStreamResponse response;
    while (stream->call->Read(&response)) {
      std::lock_guard<std::mutex> lock(stream->mu);
      stream->responses[response.request_id()] = std::move(response);
      stream->changed.notify_all();
    }
    std::lock_guard<std::mutex> lock(stream->mu);
    stream->ended = true;
    stream->changed.notify_all();
  });
}

Status GrpcBackend::CloseStream(bool cancel) {
  if (cancel) {
    stream_->context.TryCancel();
  } else {
    stream_->call->WritesDone();
  }
  stream_->reader.join();
  const grpc::Status status = stream_->call->Finish();
  stream_.reset();
  return cancel ? Status::Ok() : ToStatus(status);
}

bool GrpcBackend::SendAndCollect(const std::vector<PreparedInput*>& inputs,
                                 std::vector<size_t>* pending, std::vector<ScoreResult>* results,
                                 std::vector<int>* tries) {
  if (!stream_) OpenStream();
  std::unordered_map<uint64_t, size_t> waiting;  // request id -> input index
  std::vector<size_t> still_pending;
  v1::ClassifyRequest request;
  request.set_top_k(std::min(options_.top_k, model_.num_classes()));  // the server refuses more
  bool write_failed = false;
  for (const size_t index : *pending) {
    if (write_failed) {
      still_pending.push_back(index);
      continue;
    }
    request.set_request_id(next_request_id_++);
    request.set_image(inputs[index]->bytes);
    if (!stream_->call->Write(request)) {
      write_failed = true;
      still_pending.push_back(index);
      continue;
    }
    waiting.emplace(request.request_id(), index);
  }
  {
    std::unique_lock<std::mutex> lock(stream_->mu);
    stream_->changed.wait(lock, [&] {
      if (stream_->ended) return true;
      for (const auto& entry : waiting) {
        if (!stream_->responses.count(entry.first)) return false;
      }
      return true;
    });
    for (auto it = waiting.begin(); it != waiting.end();) {
      auto found = stream_->responses.find(it->first);
      if (found == stream_->responses.end()) {
        ++it;
        continue;
      }
      const size_t index = it->second;
      const v1::ClassifyStreamResponse& response = found->second;
      ScoreResult& result = (*results)[index];
      ++(*tries)[index];
      result.predictions.clear();
      if (response.code() != 0) {
        result.status = Status(rpc::FromGrpcCode(static_cast<grpc::StatusCode>(response.code())),
                               response.message());
      } else {
        result.status = Status::Ok();
        for (const v1::Prediction& p : response.result().predictions())
          result.predictions.push_back({p.class_index(), p.label(), p.probability()});
      }
      if (Retryable(response.code()) && (*tries)[index] < options_.attempts)
        still_pending.push_back(index);
      stream_->responses.erase(found);
      it = waiting.erase(it);
    }
  }
  // Unanswered requests: the stream broke; they are sent again on a new one.
  for (const auto& entry : waiting) still_pending.push_back(entry.second);
  const bool broken = write_failed || !waiting.empty();
  if (broken) CloseStream(/*cancel=*/true);
  *pending = std::move(still_pending);
  return !broken;
}

void GrpcBackend::ExplainRound(const std::vector<PreparedInput*>& inputs,
                               std::vector<size_t>* pending, std::vector<ScoreResult>* results,
                               std::vector<int>* tries) {
  struct Call {
    grpc::ClientContext context;
    v1::ExplainRequest request;
    v1::ExplainResponse response;
    grpc::Status status;
  };
  std::vector<std::unique_ptr<Call>> calls;
  std::mutex mu;  // guards outstanding
  std::condition_variable done;
  size_t outstanding = pending->size();
  for (const size_t index : *pending) {
    auto call = std::make_unique<Call>();
    rpc::AddBearerToken(options_.connection, &call->context);
    call->request.set_image(inputs[index]->bytes);
    call->request.set_top_k(std::min(options_.top_k, model_.num_classes()));
    call->request.set_method(ExplainMethodName(options_.explain.method));
    call->request.set_head_fusion(HeadFusionName(options_.explain.head_fusion));
    call->request.set_discard_ratio(options_.explain.discard_ratio);
    call->request.set_overlay_png(true);
    Call* raw = call.get();
    calls.push_back(std::move(call));
    stub_->async()->Explain(&raw->context, &raw->request, &raw->response,
                            [raw, &mu, &done, &outstanding](grpc::Status status) {
                              raw->status = std::move(status);
                              std::lock_guard<std::mutex> lock(mu);
                              if (--outstanding == 0) done.notify_all();
                            });
  }
  {
    std::unique_lock<std::mutex> lock(mu);
    done.wait(lock, [&] { return outstanding == 0; });
  }
  std::vector<size_t> retry;
  for (size_t c = 0; c < calls.size(); ++c) {
    const size_t index = (*pending)[c];
    const Call& call = *calls[c];
    ScoreResult& result = (*results)[index];
    ++(*tries)[index];
    result.predictions.clear();
    result.status = ToStatus(call.status);
    if (call.status.ok()) {
      for (const v1::Prediction& p : call.response.predictions())
        result.predictions.push_back({p.class_index(), p.label(), p.probability()});
      result.overlay_png = call.response.overlay_png();
    } else if (Retryable(call.status.error_code()) && (*tries)[index] < options_.attempts) {
      retry.push_back(index);
    }
  }
  *pending = std::move(retry);
}

Status GrpcBackend::ExplainBatch(const std::vector<PreparedInput*>& inputs,
                                 std::vector<ScoreResult>* results) {
  std::vector<size_t> pending(inputs.size());
  for (size_t i = 0; i < pending.size(); ++i) pending[i] = i;
  std::vector<int> tries(inputs.size(), 0);
  for (int round = 0; !pending.empty(); ++round) {
    if (round > 0) std::this_thread::sleep_for(std::chrono::milliseconds(100 << round));
    ExplainRound(inputs, &pending, results, &tries);
  }
  for (const ScoreResult& result : *results) {
    if (result.status.code() != StatusCode::kUnavailable) return Status::Ok();
  }
  return UnavailableError("vit-server at " + options_.connection.server + ": Explain failed " +
                          std::to_string(options_.attempts) + " times for every file");
}

Status GrpcBackend::Score(const std::vector<PreparedInput*>& inputs,
                          std::vector<ScoreResult>* results) {
  results->assign(inputs.size(), ScoreResult{});
  if (options_.explain_overlays) return ExplainBatch(inputs, results);
  for (ScoreResult& result : *results)
    result.status = UnavailableError("no answer from vit-server at " + options_.connection.server);
  std::vector<size_t> pending(inputs.size());
  for (size_t i = 0; i < pending.size(); ++i) pending[i] = i;
  std::vector<int> tries(inputs.size(), 0);
  int broken_streams = 0;
  while (!pending.empty()) {
    if (!SendAndCollect(inputs, &pending, results, &tries)) {
      if (++broken_streams >= options_.attempts) {
        return UnavailableError("vit-server at " + options_.connection.server +
                                ": ClassifyStream failed " + std::to_string(broken_streams) +
                                " times in a row");
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(200 << broken_streams));
      continue;
    }
    broken_streams = 0;
    if (!pending.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return Status::Ok();
}

}  // namespace vit::score
