#include "server/oip/model_metadata.h"

#include "server/oip/tensor.h"

namespace vit::server::oip {
namespace {

std::vector<TensorMetadata> Inputs(const ModelInfo& info, bool with_batch) {
  const PreprocessSpec& spec = info.preprocess;
  std::vector<int64_t> image = {1};
  std::vector<int64_t> pixels = {spec.channels, spec.input_height, spec.input_width};
  if (with_batch) {
    image.insert(image.begin(), -1);
    pixels.insert(pixels.begin(), -1);
  }
  return {{std::string(kImageInput), std::string(kBytes), image},
          {std::string(kPixelValuesInput), std::string(kFp32), pixels}};
}

std::vector<TensorMetadata> Outputs(const ModelInfo& info, bool with_batch) {
  std::vector<int64_t> classes = {info.num_classes};
  std::vector<int64_t> features = {info.feature_dim};
  if (with_batch) {
    classes.insert(classes.begin(), -1);
    features.insert(features.begin(), -1);
  }
  return {{std::string(kLogitsOutput), std::string(kFp32), classes},
          {std::string(kProbabilitiesOutput), std::string(kFp32), classes},
          {std::string(kEmbeddingOutput), std::string(kFp32), features}};
}

}  // namespace

ServerMetadata DescribeServer() {
  ServerMetadata metadata;
  metadata.name = "vit-serve";
  metadata.version = VIT_SERVE_VERSION;
  metadata.extensions = {"classification", "binary_tensor_data", "model_configuration",
                         "statistics", "model_repository"};
  return metadata;
}

ModelMetadata DescribeModel(const InferencePipeline& pipeline) {
  const ModelInfo& info = pipeline.model_info();
  ModelMetadata metadata;
  metadata.name = pipeline.served_name();
  metadata.versions = {pipeline.served_version()};
  metadata.platform = kPlatform;
  metadata.inputs = Inputs(info, /*with_batch=*/true);
  metadata.outputs = Outputs(info, /*with_batch=*/true);
  return metadata;
}

ModelConfig DescribeModelConfig(const InferencePipeline& pipeline) {
  const ModelInfo& info = pipeline.model_info();
  const PipelineOptions& options = pipeline.options();
  ModelConfig config;
  config.name = pipeline.served_name();
  config.platform = kPlatform;
  config.backend = info.backend;
  config.max_batch_size = options.batching.max_batch_size;
  config.inputs = Inputs(info, /*with_batch=*/false);
  config.outputs = Outputs(info, /*with_batch=*/false);
  config.preferred_batch_sizes = options.batching.preferred_batch_sizes;
  config.max_queue_delay_microseconds = options.batching.max_queue_delay_microseconds;
  return config;
}

Status CheckModelAndVersion(const std::string& name, const std::string& version,
                            const InferencePipeline& pipeline) {
  const std::string& served = pipeline.served_name();
  if (name != served && name != pipeline.model_info().id) {
    return NotFoundError("unknown model '" + name + "'; this server serves '" + served + "'");
  }
  const std::string& only = pipeline.served_version();
  if (!version.empty() && version != only) {
    return NotFoundError("model '" + name + "' has no version '" + version +
                         "'; its only version is " + only);
  }
  return Status::Ok();
}

}  // namespace vit::server::oip
