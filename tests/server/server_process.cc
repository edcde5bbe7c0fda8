#include "tests/server/server_process.h"

#include <httplib.h>

#include <regex>
#include <sstream>

namespace vit::server::testing {

bool ServerProcess::Start(const std::string& binary, const std::vector<std::string>& args,
                          std::chrono::seconds timeout) {
  std::vector<std::string> all_args = {"--host",         "127.0.0.1", "--port",      "0",
                                       "--metrics-port", "0",         "--http-port", "0"};
  all_args.insert(all_args.end(), args.begin(), args.end());
  if (!process_.Start(binary, all_args)) return false;

  const std::regex listening(
      R"(vit-server listening on [^ ]+:(\d+), metrics port (-?\d+), http port (-?\d+))");
  std::smatch match;
  std::string matched_output;  // what `match` points into
  const bool found = process_.WaitForOutput(
      [&](const std::string& output) {
        matched_output = output;
        return std::regex_search(matched_output, match, listening);
      },
      timeout);
  if (!found) return false;
  port_ = std::stoi(match[1]);
  metrics_port_ = std::stoi(match[2]);
  http_port_ = std::stoi(match[3]);
  return true;
}

std::string HttpGet(int port, const std::string& path) { return HttpGet("127.0.0.1", port, path); }

std::string HttpGet(const std::string& host, int port, const std::string& path) {
  httplib::Client client(host, port);
  client.set_connection_timeout(2);
  auto response = client.Get(path.c_str());
  return response && response->status == 200 ? response->body : std::string();
}

double MetricValue(const std::string& metrics, const std::string& name) {
  // `name` without its closing brace: the series may carry more labels
  // (model="..."), which are summed over.
  const bool labeled = !name.empty() && name.back() == '}';
  const std::string stem = labeled ? name.substr(0, name.size() - 1) : name;
  std::istringstream lines(metrics);
  std::string line;
  double sum = 0;
  bool found = false;
  while (std::getline(lines, line)) {
    if (line.empty() || line[0] == '#' || line.compare(0, stem.size(), stem) != 0) continue;
    const char next = line.size() > stem.size() ? line[stem.size()] : '\0';
    const bool match = labeled ? (next == '}' || next == ',') : (next == ' ' || next == '{');
    const size_t space = line.rfind(' ');
    if (!match || space == std::string::npos) continue;
    sum += std::stod(line.substr(space + 1));
    found = true;
  }
  return found ? sum : -1;
}

}  // namespace vit::server::testing
