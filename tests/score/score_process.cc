#include "tests/score/score_process.h"

#include <algorithm>
#include <fstream>
#include <iterator>

namespace vit::score::testing {
namespace {

size_t CountNewlines(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  return static_cast<size_t>(
      std::count(std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>(), '\n'));
}

}  // namespace

vit::testing::ProcessResult RunAndKillAfterLines(const std::string& binary,
                                                 const std::vector<std::string>& args,
                                                 const std::string& watched_file, size_t lines,
                                                 std::chrono::seconds timeout) {
  vit::testing::RunOptions options;
  options.timeout = timeout;
  options.kill_when = [&] { return CountNewlines(watched_file) >= lines; };
  return vit::testing::RunProcess(binary, args, options);
}

}  // namespace vit::score::testing
