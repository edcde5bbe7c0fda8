// What the Open Inference Protocol says about the server and its models, as
// plain values shared by the gRPC service and the HTTP endpoints:
// ServerMetadata, ModelMetadata, ModelReady and the parts of Triton's
// ModelConfig that clients such as perf_analyzer read.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/model_info.h"
#include "common/status.h"
#include "server/inference_pipeline.h"

namespace vit::server::oip {

/// The "platform" of ModelMetadata / ModelConfig.
inline constexpr const char* kPlatform = "vit-serve";

struct ServerMetadata {
  std::string name;     // "vit-serve"
  std::string version;  // the project version
  /// The extensions really implemented, by Triton's names.
  std::vector<std::string> extensions;
};

struct TensorMetadata {
  std::string name;
  std::string datatype;
  /// -1 = variable (the batch dimension).
  std::vector<int64_t> shape;
};

struct ModelMetadata {
  std::string name;
  std::vector<std::string> versions;
  std::string platform;
  std::vector<TensorMetadata> inputs;
  std::vector<TensorMetadata> outputs;
};

/// Triton's ModelConfig, the fields we fill.
struct ModelConfig {
  std::string name;
  std::string platform;
  std::string backend;  // the engine: "fast" or "reference"
  int max_batch_size = 0;
  /// Dims without the batch dimension (Triton's convention when
  /// max_batch_size > 0). "image" has dims [1].
  std::vector<TensorMetadata> inputs;
  std::vector<TensorMetadata> outputs;
  /// The batcher's preferred sizes (--preferred-batch-sizes); may be empty.
  std::vector<int> preferred_batch_sizes;
  int64_t max_queue_delay_microseconds = 0;
};

ServerMetadata DescribeServer();
/// The model's repository name and served version (served_name(),
/// served_version()); inputs "image" BYTES [-1, 1] and "pixel_values" FP32
/// [-1, C, H, W]; outputs "logits", "probabilities" FP32 [-1, classes] and
/// "embedding" FP32 [-1, feature_dim].
ModelMetadata DescribeModel(const InferencePipeline& pipeline);
ModelConfig DescribeModelConfig(const InferencePipeline& pipeline);

/// Without a model repository: NOT_FOUND unless `name` is the served model
/// (its served_name() or its id; empty is not accepted on the model
/// endpoints: the protocol names the model) and `version` is empty or its
/// served_version().
Status CheckModelAndVersion(const std::string& name, const std::string& version,
                            const InferencePipeline& pipeline);

}  // namespace vit::server::oip
