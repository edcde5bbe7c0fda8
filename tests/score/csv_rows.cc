#include "tests/score/csv_rows.h"

#include <cmath>
#include <stdexcept>

#include "tests/support/files.h"

namespace vit::score::testing {
namespace {

std::vector<std::vector<std::string>> ParseCsv(const std::string& text) {
  std::vector<std::vector<std::string>> records;
  std::vector<std::string> fields;
  std::string field;
  bool quoted = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      fields.push_back(std::move(field));
      field.clear();
    } else if (c == '\n') {
      fields.push_back(std::move(field));
      field.clear();
      records.push_back(std::move(fields));
      fields.clear();
    } else {
      field += c;
    }
  }
  if (!field.empty() || !fields.empty()) throw std::runtime_error("CSV ends inside a record");
  return records;
}

}  // namespace

std::vector<CsvRecord> ReadScoreCsv(const std::string& path) {
  const auto records = ParseCsv(vit::testing::ReadFile(path));
  if (records.empty() || records[0].empty() || records[0][0] != "path")
    throw std::runtime_error(path + ": no vit-score header");
  const size_t k = (records[0].size() - 2) / 3;
  std::vector<CsvRecord> rows;
  for (size_t r = 1; r < records.size(); ++r) {
    const auto& f = records[r];
    if (f.size() != records[0].size()) throw std::runtime_error(path + ": ragged row");
    CsvRecord row;
    row.path = f[0];
    for (size_t i = 0; i < k; ++i) {
      if (f[1 + 3 * i].empty()) continue;
      row.classes.push_back(std::stoi(f[1 + 3 * i]));
      row.labels.push_back(f[2 + 3 * i]);
      row.probabilities.push_back(std::stod(f[3 + 3 * i]));
    }
    row.error = f.back();
    rows.push_back(std::move(row));
  }
  return rows;
}

std::string CompareRows(const std::vector<CsvRecord>& a, const std::vector<CsvRecord>& b,
                        double tolerance) {
  if (a.size() != b.size())
    return "row counts differ: " + std::to_string(a.size()) + " vs " + std::to_string(b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    const std::string where = "row " + std::to_string(i + 1) + " (" + a[i].path + "): ";
    if (a[i].path != b[i].path) return where + "path differs: " + b[i].path;
    if (a[i].error.empty() != b[i].error.empty())
      return where + "error '" + a[i].error + "' vs '" + b[i].error + "'";
    if (a[i].classes != b[i].classes || a[i].labels != b[i].labels) return where + "classes differ";
    for (size_t j = 0; j < a[i].probabilities.size(); ++j) {
      if (std::fabs(a[i].probabilities[j] - b[i].probabilities[j]) > tolerance)
        return where + "probability " + std::to_string(j + 1) + " differs";
    }
  }
  return "";
}

}  // namespace vit::score::testing
