// Renders a ModelInfo for people (text) and programs (JSON).
#pragma once

#include <string>

#include "common/model_info.h"

namespace vit::tools {

/// Multi-line report; at most `max_labels` labels are listed (0 = all).
std::string ModelReportText(const ModelInfo& info, int max_labels);
/// One JSON object with every field and all labels.
std::string ModelReportJson(const ModelInfo& info);

}  // namespace vit::tools
