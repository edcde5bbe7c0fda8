// Test-only: a PreprocessSpec from one entry of fixtures/preprocessing/pipelines.json
// (timm pretrained_cfg, Hugging Face ViTImageProcessor, or a torchvision preset).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "common/preprocess_spec.h"
#include "common/status.h"

namespace vit::testing {

StatusOr<PreprocessSpec> SpecFromPipelineJson(const nlohmann::json& pipeline);

}  // namespace vit::testing
