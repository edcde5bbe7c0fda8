#include "server/oip/grpc_metadata_conversion.h"

#include <algorithm>

#include "server/oip/tensor.h"

namespace vit::server::oip {
namespace {

inference::DataType ConfigDataType(const std::string& datatype) {
  if (datatype == kBytes) return inference::TYPE_STRING;
  if (datatype == kFp32) return inference::TYPE_FP32;
  return inference::TYPE_INVALID;
}

void FillTensorMetadata(const TensorMetadata& tensor,
                        inference::ModelMetadataResponse::TensorMetadata* out) {
  out->set_name(tensor.name);
  out->set_datatype(tensor.datatype);
  out->mutable_shape()->Assign(tensor.shape.begin(), tensor.shape.end());
}

void FillDuration(const StatisticDuration& duration, inference::StatisticDuration* out) {
  out->set_count(duration.count);
  out->set_ns(duration.ns);
}

}  // namespace

void FillServerMetadata(const ServerMetadata& metadata, inference::ServerMetadataResponse* out) {
  out->set_name(metadata.name);
  out->set_version(metadata.version);
  for (const std::string& extension : metadata.extensions) out->add_extensions(extension);
}

void FillModelMetadata(const ModelMetadata& metadata, inference::ModelMetadataResponse* out) {
  out->set_name(metadata.name);
  for (const std::string& version : metadata.versions) out->add_versions(version);
  out->set_platform(metadata.platform);
  for (const TensorMetadata& input : metadata.inputs) FillTensorMetadata(input, out->add_inputs());
  for (const TensorMetadata& output : metadata.outputs)
    FillTensorMetadata(output, out->add_outputs());
}

void FillModelConfig(const ModelConfig& config, inference::ModelConfig* out) {
  out->set_name(config.name);
  out->set_platform(config.platform);
  out->set_backend(config.backend);
  out->mutable_version_policy()->mutable_latest()->set_num_versions(1);
  out->set_max_batch_size(config.max_batch_size);
  for (const TensorMetadata& tensor : config.inputs) {
    inference::ModelInput* input = out->add_input();
    input->set_name(tensor.name);
    input->set_data_type(ConfigDataType(tensor.datatype));
    if (tensor.name == kPixelValuesInput) input->set_format(inference::ModelInput::FORMAT_NCHW);
    input->mutable_dims()->Assign(tensor.shape.begin(), tensor.shape.end());
  }
  for (const TensorMetadata& tensor : config.outputs) {
    inference::ModelOutput* output = out->add_output();
    output->set_name(tensor.name);
    output->set_data_type(ConfigDataType(tensor.datatype));
    output->mutable_dims()->Assign(tensor.shape.begin(), tensor.shape.end());
  }
  inference::ModelDynamicBatching* batching = out->mutable_dynamic_batching();
  for (int size : config.preferred_batch_sizes) batching->add_preferred_batch_size(size);
  batching->set_max_queue_delay_microseconds(
      static_cast<uint64_t>(std::max<int64_t>(0, config.max_queue_delay_microseconds)));
}

void FillModelStatistics(const std::string& name, const std::string& version,
                         const ModelStatisticsSnapshot& snapshot, inference::ModelStatistics* out) {
  out->set_name(name);
  out->set_version(version);
  out->set_last_inference(snapshot.last_inference_ms);
  out->set_inference_count(snapshot.inference_count);
  out->set_execution_count(snapshot.execution_count);
  inference::InferStatistics* stats = out->mutable_inference_stats();
  FillDuration(snapshot.success, stats->mutable_success());
  FillDuration(snapshot.fail, stats->mutable_fail());
  FillDuration(snapshot.queue, stats->mutable_queue());
  FillDuration(snapshot.compute_input, stats->mutable_compute_input());
  FillDuration(snapshot.compute_infer, stats->mutable_compute_infer());
  FillDuration(snapshot.compute_output, stats->mutable_compute_output());
  for (const auto& [batch_size, batch] : snapshot.batches) {
    inference::InferBatchStatistics* out_batch = out->add_batch_stats();
    out_batch->set_batch_size(static_cast<uint64_t>(batch_size));
    FillDuration(batch.compute_input, out_batch->mutable_compute_input());
    FillDuration(batch.compute_infer, out_batch->mutable_compute_infer());
    FillDuration(batch.compute_output, out_batch->mutable_compute_output());
  }
}

}  // namespace vit::server::oip
