// spdlog set-up for the server and client: level and text / JSON format.
#pragma once

#include <string>

#include "common/status.h"

namespace vit::server {

/// `level`: trace|debug|info|warn|error; `format`: "text" or "json" (one
/// object per line with time, level and msg, msg JSON-escaped). Logs go to
/// stderr.
Status ConfigureLogging(const std::string& level, const std::string& format);

}  // namespace vit::server
