// Request checks and protobuf <-> pipeline conversions shared by the RPCs.
#pragma once

#include <grpcpp/server_context.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "common/explanation.h"
#include "common/model_info.h"
#include "common/status.h"
#include "server/inference_pipeline.h"
#include "server/model_control.h"
#include "vit/v1/vit.pb.h"

namespace vit::server {

/// NOT_FOUND unless `name` is empty or the served model's id.
Status CheckModelName(const std::string& name, const ModelInfo& info);
/// INVALID_ARGUMENT for an empty image or one over `max_bytes`.
Status CheckImageSize(size_t size, size_t max_bytes);
/// top_k 0 means `default_top_k` (capped at num_classes); otherwise it must lie
/// in [1, num_classes]: INVALID_ARGUMENT.
StatusOr<int> ResolveTopK(int top_k, const ModelInfo& info, int default_top_k);
/// The call's deadline on `clock` in microseconds; 0 when it has none.
int64_t DeadlineMicros(const grpc::CallbackServerContext& context, Clock* clock);

void FillTimings(const InferenceResult& result, v1::Timings* timings);
/// The responses name the model and version of `served` (served_name(),
/// served_version()).
void FillClassifyResponse(const InferencePipeline& served, const InferenceResult& result,
                          v1::ClassifyResponse* response);
/// The request's method, head_fusion and discard_ratio; INVALID_ARGUMENT
/// naming the field (ParseExplainSpec).
StatusOr<ExplainSpec> ToExplainSpec(const v1::ExplainRequest& request);
void FillExplainResponse(const InferencePipeline& served, const InferenceResult& result,
                         v1::ExplainResponse* response);
void FillEmbedResponse(const InferencePipeline& served, const InferenceResult& result,
                       v1::EmbedResponse* response);
void FillModelInfo(const InferencePipeline& served, v1::ModelInfo* out);
/// The index rows (sorted by name, then version) grouped per model;
/// `default_model` marks its model and goes into default_model.
void FillListModels(const std::vector<ModelIndexEntry>& entries, const std::string& default_model,
                    v1::ListModelsResponse* out);

}  // namespace vit::server
