// The Open Inference Protocol's descriptive answers as gRPC messages:
// ServerMetadata, ModelMetadata, Triton's ModelConfig and ModelStatistics,
// filled from the wire-independent values of model_metadata.h and
// model_statistics.h.
#pragma once

#include <string>

#include "inference/grpc_service.pb.h"
#include "inference/model_config.pb.h"
#include "server/model_statistics.h"
#include "server/oip/model_metadata.h"

namespace vit::server::oip {

void FillServerMetadata(const ServerMetadata& metadata, inference::ServerMetadataResponse* out);
void FillModelMetadata(const ModelMetadata& metadata, inference::ModelMetadataResponse* out);
/// Tensors as ModelInput / ModelOutput with Triton's data types (BYTES is
/// TYPE_STRING), "pixel_values" as FORMAT_NCHW, the dynamic batcher's
/// preferred sizes and queue delay, version policy "latest 1".
void FillModelConfig(const ModelConfig& config, inference::ModelConfig* out);
/// Durations in nanoseconds, as Triton reports them.
void FillModelStatistics(const std::string& name, const std::string& version,
                         const ModelStatisticsSnapshot& snapshot, inference::ModelStatistics* out);

}  // namespace vit::server::oip
