// vit-bench-http-parse: what parsing an Open Inference Protocol REST
// inference body costs, for a [8, 3, 224, 224] FP32 pixel_values tensor:
// as JSON numbers written the way Python clients write them (json.dumps of
// float32 values: 17 significant digits) and in the shortest form that reads
// back exactly, each parsed by our parser (simdjson On-Demand) and by
// nlohmann::json (a DOM, then the floats copied out), and as Triton's binary
// tensor data extension. Prints a table and one JSON line.
// Usage: vit-bench-http-parse [--iterations N] [--batch B]
// Exit codes: 0 ok, 1 usage, 2 a parse failed.
#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "server/http_api/infer_request_parser.h"

namespace {

using vit::server::http_api::ParseInferRequest;

double ThreadCpuMs() {
  timespec now;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return now.tv_sec * 1e3 + now.tv_nsec / 1e6;
}

double Median(std::vector<double> values) {
  std::nth_element(values.begin(), values.begin() + values.size() / 2, values.end());
  return values[values.size() / 2];
}

struct Timing {
  double wall_ms = 0;
  // This thread's CPU time: what the parse costs a core, less disturbed than
  // wall time when other processes share the machine.
  double cpu_ms = 0;
};

Timing MedianTiming(int iterations, const std::function<bool()>& body, bool* ok) {
  *ok = body();  // warm-up: page faults, caches
  std::vector<double> wall, cpu;
  for (int i = 0; i < iterations && *ok; ++i) {
    const auto start = std::chrono::steady_clock::now();
    const double cpu_start = ThreadCpuMs();
    *ok = body();
    cpu.push_back(ThreadCpuMs() - cpu_start);
    wall.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
            .count());
  }
  if (wall.empty()) return {};
  return {Median(wall), Median(cpu)};
}

std::vector<float> Pixels(size_t count) {
  std::mt19937 rng(42);
  std::normal_distribution<float> normal(0.0f, 1.0f);  // normalized pixels
  std::vector<float> pixels(count);
  for (float& p : pixels) p = normal(rng);
  return pixels;
}

std::string Header(int batch) {
  return "{\"id\":\"bench\",\"inputs\":[{\"name\":\"pixel_values\",\"datatype\":\"FP32\","
         "\"shape\":[" +
         std::to_string(batch) + ",3,224,224]";
}

// python_style: each float32 widened to double and printed with 17
// significant digits, as json.dumps(array.tolist()) does.
std::string JsonBody(const std::vector<float>& pixels, int batch, bool python_style) {
  std::string body = Header(batch) + ",\"data\":[";
  body.reserve(pixels.size() * 21);
  char buffer[40];
  for (size_t i = 0; i < pixels.size(); ++i) {
    if (i > 0) body.push_back(',');
    const auto end =
        python_style ? std::to_chars(buffer, buffer + sizeof(buffer),
                                     static_cast<double>(pixels[i]), std::chars_format::general, 17)
                           .ptr
                     : std::to_chars(buffer, buffer + sizeof(buffer), pixels[i]).ptr;
    body.append(buffer, end);
  }
  return body + "]}]}";
}

std::string BinaryBody(const std::vector<float>& pixels, int batch, size_t* json_length) {
  std::string body = Header(batch) +
                     ",\"parameters\":{\"binary_data_size\":" + std::to_string(pixels.size() * 4) +
                     "}}]}";
  *json_length = body.size();
  body.append(reinterpret_cast<const char*>(pixels.data()), pixels.size() * 4);
  return body;
}

bool OursJson(const std::string& body, size_t count) {
  auto parsed = ParseInferRequest(body, std::nullopt);
  return parsed.ok() && parsed->request.inputs[0].fp32_count == count;
}

bool NlohmannJson(const std::string& body, size_t count) {
  const auto document = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (document.is_discarded()) return false;
  const auto& data = document["inputs"][0]["data"];
  std::vector<float> floats;
  floats.reserve(data.size());
  for (const auto& value : data) floats.push_back(value.get<float>());
  return floats.size() == count;
}

std::string CpuName() {
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line;
  while (std::getline(cpuinfo, line)) {
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  }
  return "unknown";
}

}  // namespace

int main(int argc, char** argv) {
  int iterations = 10;
  int batch = 8;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if ((arg == "--iterations" || arg == "--batch") && i + 1 < argc) {
      (arg == "--iterations" ? iterations : batch) = std::atoi(argv[++i]);
    } else {
      std::fprintf(stderr, "usage: %s [--iterations N (10)] [--batch B (8)]\n", argv[0]);
      return 1;
    }
  }
  if (iterations < 1 || batch < 1) return std::fprintf(stderr, "N and B must be >= 1\n"), 1;
  const size_t count = static_cast<size_t>(batch) * 3 * 224 * 224;
  const std::vector<float> pixels = Pixels(count);
  const std::string python = JsonBody(pixels, batch, /*python_style=*/true);
  const std::string shortest = JsonBody(pixels, batch, /*python_style=*/false);
  size_t json_length = 0;
  const std::string binary = BinaryBody(pixels, batch, &json_length);

  struct Case {
    const char* name;
    const std::string* body;
    std::function<bool()> run;
  };
  const std::vector<Case> cases = {
      {"json-17-digits simdjson (ours)", &python, [&] { return OursJson(python, count); }},
      {"json-17-digits nlohmann", &python, [&] { return NlohmannJson(python, count); }},
      {"json-shortest simdjson (ours)", &shortest, [&] { return OursJson(shortest, count); }},
      {"json-shortest nlohmann", &shortest, [&] { return NlohmannJson(shortest, count); }},
      {"binary extension (ours)", &binary,
       [&] {
         auto parsed = ParseInferRequest(binary, json_length);
         return parsed.ok() && parsed->request.inputs[0].fp32_count == count;
       }},
  };
  double load = 0;
  if (FILE* f = std::fopen("/proc/loadavg", "r")) {
    if (std::fscanf(f, "%lf", &load) != 1) load = 0;
    std::fclose(f);
  }
  std::printf(
      "parse [%d, 3, 224, 224] FP32 (%zu floats), median of %d, one thread, %s, load %.1f\n", batch,
      count, iterations, CpuName().c_str(), load);
  std::printf("%-32s %8s %10s %10s %10s\n", "body", "MB", "wall ms", "cpu ms", "MB/cpu-s");
  nlohmann::json results = nlohmann::json::array();
  for (const Case& c : cases) {
    bool ok = false;
    const Timing timing = MedianTiming(iterations, c.run, &ok);
    if (!ok) return std::fprintf(stderr, "%s: parse failed\n", c.name), 2;
    const double mb = c.body->size() / 1e6;
    // The binary body is not read at all: its floats stay where they are.
    const double rate = timing.cpu_ms > 0.01 ? mb / (timing.cpu_ms / 1e3) : 0;
    std::printf("%-32s %8.2f %10.2f %10.2f %10.0f\n", c.name, mb, timing.wall_ms, timing.cpu_ms,
                rate);
    results.push_back({{"case", c.name},
                       {"body_mb", mb},
                       {"wall_ms", timing.wall_ms},
                       {"cpu_ms", timing.cpu_ms},
                       {"mb_per_cpu_s", rate}});
  }
  std::printf("%s\n", nlohmann::json({{"bench", "http_parse"},
                                      {"batch", batch},
                                      {"cpu", CpuName()},
                                      {"load_average", load},
                                      {"results", results}})
                          .dump()
                          .c_str());
  return 0;
}
