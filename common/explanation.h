// What an explanation request asks for and what it returns, shared by the
// model library (which captures attention and computes the rollout), the
// server and the clients. Defined in docs of vit.v1 ExplainRequest.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"

namespace vit {

/// How the heads of one block's attention are fused into one [T, T] matrix.
enum class HeadFusion { kMean, kMax, kMin };

/// "rollout": R = Â_L ... Â_1 (Abnar & Zuidema 2020); "attention": the last
/// block's head-fused attention only.
enum class ExplainMethod { kRollout, kAttention };

struct ExplainSpec {
  ExplainMethod method = ExplainMethod::kRollout;
  HeadFusion head_fusion = HeadFusion::kMean;
  /// In [0, 1): share of each block's smallest entries zeroed. Default 0.
  float discard_ratio = 0.0f;
};

/// A heat map over the patch grid, row-major, divided by its maximum.
struct Heatmap {
  int grid_height = 0;
  int grid_width = 0;
  std::vector<float> values;  // grid_height * grid_width
};

/// Parses the request fields; "" means the default. INVALID_ARGUMENT names
/// the field and the accepted values.
StatusOr<ExplainSpec> ParseExplainSpec(const std::string& method, const std::string& head_fusion,
                                       float discard_ratio);

const char* HeadFusionName(HeadFusion fusion);
const char* ExplainMethodName(ExplainMethod method);

}  // namespace vit
