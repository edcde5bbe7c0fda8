// Reads vit-score CSV output back for comparisons in tests.
#pragma once

#include <string>
#include <vector>

namespace vit::score::testing {

struct CsvRecord {
  std::string path;
  std::vector<int> classes;
  std::vector<std::string> labels;
  std::vector<double> probabilities;
  std::string error;
};

/// Parses a whole vit-score CSV file (RFC 4180); the header is checked and dropped.
std::vector<CsvRecord> ReadScoreCsv(const std::string& path);

/// "" when `a` and `b` hold the same files, in the same order, with the same
/// classes and failures, probabilities within `tolerance`; else the first difference.
std::string CompareRows(const std::vector<CsvRecord>& a, const std::vector<CsvRecord>& b,
                        double tolerance);

}  // namespace vit::score::testing
