// Small pieces of JSON text written by hand where a document would be too
// slow or too large to build as a tree (the inference response's tensors).
#pragma once

#include <string>
#include <string_view>

namespace vit::server::http_api {

/// Appends `text` as a JSON string literal (quotes, escapes for '"', '\\'
/// and control characters; other bytes as they are).
void AppendJsonString(std::string_view text, std::string* out);

/// Appends the shortest decimal that reads back as exactly `value`; null
/// for NaN and infinities.
void AppendJsonFloat(float value, std::string* out);

}  // namespace vit::server::http_api
