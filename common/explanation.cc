#include "common/explanation.h"

#include <cmath>

namespace vit {

StatusOr<ExplainSpec> ParseExplainSpec(const std::string& method, const std::string& head_fusion,
                                       float discard_ratio) {
  ExplainSpec spec;
  if (method.empty() || method == "rollout") {
    spec.method = ExplainMethod::kRollout;
  } else if (method == "attention") {
    spec.method = ExplainMethod::kAttention;
  } else {
    return InvalidArgumentError("method \"" + method +
                                "\" is not one of \"rollout\" (the default) or \"attention\"");
  }
  if (head_fusion.empty() || head_fusion == "mean") {
    spec.head_fusion = HeadFusion::kMean;
  } else if (head_fusion == "max") {
    spec.head_fusion = HeadFusion::kMax;
  } else if (head_fusion == "min") {
    spec.head_fusion = HeadFusion::kMin;
  } else {
    return InvalidArgumentError("head_fusion \"" + head_fusion +
                                "\" is not one of \"mean\" (the default), \"max\" or \"min\"");
  }
  if (!std::isfinite(discard_ratio) || discard_ratio < 0.0f || discard_ratio >= 1.0f) {
    return InvalidArgumentError("discard_ratio " + std::to_string(discard_ratio) +
                                " is outside [0, 1)");
  }
  spec.discard_ratio = discard_ratio;
  return spec;
}

const char* HeadFusionName(HeadFusion fusion) {
  switch (fusion) {
    case HeadFusion::kMean:
      return "mean";
    case HeadFusion::kMax:
      return "max";
    case HeadFusion::kMin:
      return "min";
  }
  return "?";
}

const char* ExplainMethodName(ExplainMethod method) {
  return method == ExplainMethod::kAttention ? "attention" : "rollout";
}

}  // namespace vit
