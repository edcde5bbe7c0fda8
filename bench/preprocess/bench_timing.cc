#include "bench/preprocess/bench_timing.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>

#include <nlohmann/json.hpp>

namespace vit::bench {

double MedianMs(int iterations, const std::function<void()>& body) {
  body();  // warm-up: page faults, code and coefficient caches
  std::vector<double> ms;
  for (int i = 0; i < iterations; ++i) {
    const auto start = std::chrono::steady_clock::now();
    body();
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
                     .count());
  }
  std::nth_element(ms.begin(), ms.begin() + ms.size() / 2, ms.end());
  return ms[ms.size() / 2];
}

bool RunPilBaseline(const std::string& python, const std::string& script,
                    const std::vector<std::string>& files, const std::vector<int>& iterations,
                    int rounds, std::vector<double>* ms_per_image, std::string* error) {
  // Paths are ours (generated under --out-dir), quoted for the shell.
  std::string command = "'" + python + "' '" + script + "'";
  for (const auto& f : files) command += " '" + f + "'";
  command += " --iterations";
  for (int n : iterations) command += " " + std::to_string(n);
  command += " --rounds " + std::to_string(rounds);
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.c_str(), "r"), pclose);
  if (!pipe) return *error = "cannot run " + command, false;
  std::string output;
  char buffer[4096];
  while (size_t n = std::fread(buffer, 1, sizeof(buffer), pipe.get())) output.append(buffer, n);
  const size_t line = output.rfind("{\"results\"");
  if (line == std::string::npos) return *error = "no result from: " + command, false;
  const auto json = nlohmann::json::parse(output.substr(line), /*cb=*/nullptr,
                                          /*allow_exceptions=*/false);
  if (!json.is_object() || !json.contains("results")) return *error = "bad JSON: " + output, false;
  for (const auto& r : json.at("results"))
    ms_per_image->push_back(r.at("ms_per_image").get<double>());
  return ms_per_image->size() == files.size() || (*error = "missing results", false);
}

}  // namespace vit::bench
