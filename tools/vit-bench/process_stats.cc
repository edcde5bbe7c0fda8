#include "tools/vit-bench/process_stats.h"

#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

namespace vit::tools {
namespace {

double StatusFieldMiB(const std::string& field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field + ":", 0) != 0) continue;
    std::istringstream value(line.substr(field.size() + 1));
    double kib = 0;
    value >> kib;
    return kib / 1024.0;
  }
  return 0.0;
}

}  // namespace

double PeakRssMiB() { return StatusFieldMiB("VmHWM"); }
double CurrentRssMiB() { return StatusFieldMiB("VmRSS"); }

double SecondsSinceProcessStart() {
  // Field 22 of /proc/self/stat: start time in clock ticks after boot; the
  // command name (field 2) may hold spaces, so count from its closing ')'.
  std::ifstream stat_file("/proc/self/stat");
  std::string stat((std::istreambuf_iterator<char>(stat_file)), std::istreambuf_iterator<char>());
  std::istringstream rest(stat.substr(stat.rfind(')') + 2));
  std::string field;
  for (int i = 3; i < 22; ++i) rest >> field;
  double start_ticks = 0;
  rest >> start_ticks;
  double uptime = 0;
  std::ifstream("/proc/uptime") >> uptime;
  return uptime - start_ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
}

}  // namespace vit::tools
