#include "score/row_format.h"

#include <cmath>
#include <cstdio>

#include <nlohmann/json.hpp>

namespace vit::score {
namespace {

using Json = nlohmann::json;

std::string EndsWith(const std::string& path) {
  const size_t dot = path.rfind('.');
  const size_t slash = path.rfind('/');
  if (dot == std::string::npos || (slash != std::string::npos && dot < slash)) return "";
  std::string extension = path.substr(dot + 1);
  for (char& c : extension) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return extension;
}

std::string Probability(float p) {
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%.6f", static_cast<double>(p));
  return buffer;
}

// Rounded like the CSV text, so both formats carry the same numbers.
double RoundedProbability(float p) { return std::round(static_cast<double>(p) * 1e6) / 1e6; }

}  // namespace

StatusOr<OutputFormat> ResolveFormat(const std::string& flag, const std::string& output_path) {
  const std::string name = flag.empty() ? EndsWith(output_path) : flag;
  if (name == "csv") return OutputFormat::kCsv;
  if (name == "jsonl" || name == "ndjson" || name == "json") return OutputFormat::kJsonl;
  if (flag.empty()) {
    return InvalidArgumentError("cannot tell the format of '" + output_path +
                                "' from its extension: use .csv or .jsonl, or --format");
  }
  return InvalidArgumentError("--format must be csv or jsonl, got '" + flag + "'");
}

std::string CsvField(const std::string& field) {
  if (field.find_first_of(",\"\r\n") == std::string::npos) return field;
  std::string quoted = "\"";
  for (const char c : field) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + "\"";
}

std::string CsvHeader(int top_k) {
  std::string header = "path";
  for (int i = 1; i <= top_k; ++i) {
    const std::string n = std::to_string(i);
    header += ",class_" + n + ",label_" + n + ",probability_" + n;
  }
  return header + ",error\n";
}

std::string CsvRow(const ScoreRow& row, int top_k) {
  std::string line = CsvField(row.path);
  for (int i = 0; i < top_k; ++i) {
    if (i < static_cast<int>(row.predictions.size())) {
      const Prediction& p = row.predictions[i];
      line += "," + std::to_string(p.index) + "," + CsvField(p.label) + "," +
              Probability(p.probability);
    } else {
      line += ",,,";
    }
  }
  return line + "," + CsvField(row.error) + "\n";
}

std::string JsonlRow(const ScoreRow& row) {
  Json predictions = Json::array();
  for (const Prediction& p : row.predictions) {
    predictions.push_back({{"class", p.index},
                           {"label", p.label},
                           {"probability", RoundedProbability(p.probability)}});
  }
  Json json = {{"path", row.path}, {"predictions", std::move(predictions)}};
  json["error"] = row.error.empty() ? Json(nullptr) : Json(row.error);
  return json.dump(-1, ' ', false, Json::error_handler_t::replace) + "\n";
}

std::string EmbeddingJsonlRow(const ScoreRow& row) {
  Json json = {{"path", row.path}, {"embedding", row.embedding}};
  return json.dump(-1, ' ', false, Json::error_handler_t::replace) + "\n";
}

StatusOr<std::string> JsonlRowPath(const std::string& line) {
  Json json = Json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (!json.is_object() || !json.contains("path") || !json["path"].is_string())
    return InvalidArgumentError("not a vit-score JSON row: " + line.substr(0, 80));
  return json["path"].get<std::string>();
}

Status RecordScanner::Feed(const char* data, size_t size) {
  for (size_t i = 0; i < size; ++i, ++offset_) {
    const char c = data[i];
    if (format_ == OutputFormat::kJsonl) {
      if (c != '\n') {
        field_ += c;
        continue;
      }
    } else {
      if (in_quotes_) {
        if (!after_quote_) {
          if (c == '"') {
            after_quote_ = true;
          } else if (!first_field_done_) {
            field_ += c;
          }
          continue;
        }
        after_quote_ = false;
        if (c == '"') {  // "" inside quotes
          if (!first_field_done_) field_ += c;
          continue;
        }
        in_quotes_ = false;  // the closing quote; `c` is outside the quotes
      }
      if (c == '"') {
        in_quotes_ = true;
        continue;
      }
      if (c == ',') first_field_done_ = true;
      if (c == '\r' || c == ',') continue;
      if (c != '\n') {
        if (!first_field_done_) field_ += c;
        continue;
      }
    }
    // A newline ends the record.
    complete_bytes_ = offset_ + 1;
    const bool blank = field_.empty() && !first_field_done_;
    std::string record = std::move(field_);
    field_.clear();
    first_field_done_ = false;
    if (!blank) VIT_RETURN_IF_ERROR(on_record_(record, complete_bytes_));
  }
  return Status::Ok();
}

}  // namespace vit::score
