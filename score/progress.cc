#include "score/progress.h"

#include <algorithm>
#include <cmath>

namespace vit::score {
namespace {

std::string Format(const char* format, double a) {
  char buffer[64];
  std::snprintf(buffer, sizeof(buffer), format, a);
  return buffer;
}

std::string Eta(const ProgressSnapshot& s) {
  if (s.total < 0 || s.rate() <= 0) return "?";
  const double left = static_cast<double>(std::max<int64_t>(s.total - int64_t(s.done()), 0));
  return FormatDuration(left / s.rate());
}

std::string Total(const ProgressSnapshot& s) { return s.total < 0 ? "?" : std::to_string(s.total); }

}  // namespace

std::string FormatProgressBar(const ProgressSnapshot& s, int width) {
  std::string bar(static_cast<size_t>(std::max(width, 1)), ' ');
  std::string percent = "  ?%";
  if (s.total > 0) {
    const double fraction = std::min(1.0, static_cast<double>(s.done()) / s.total);
    const auto filled = static_cast<size_t>(fraction * bar.size());
    std::fill(bar.begin(), bar.begin() + filled, '=');
    if (filled < bar.size()) bar[filled] = '>';
    percent = Format("%3.0f%%", fraction * 100);
  } else if (s.total == 0) {
    std::fill(bar.begin(), bar.end(), '=');
    percent = "100%";
  }
  return "[" + bar + "] " + std::to_string(s.done()) + "/" + Total(s) + " " + percent + "  " +
         Format("%.1f", s.rate()) + " img/s  ETA " + Eta(s) +
         (s.failed > 0 ? "  " + std::to_string(s.failed) + " failed" : "");
}

std::string FormatProgressLine(const ProgressSnapshot& s) {
  return "vit-score: " + std::to_string(s.done()) + "/" + Total(s) + " files (" +
         std::to_string(s.failed) + " failed), " + Format("%.1f", s.rate()) + " images/s, ETA " +
         Eta(s);
}

std::string FormatSummary(const ProgressSnapshot& s, uint64_t skipped) {
  return "vit-score: " + std::to_string(s.done()) + " files, " + std::to_string(s.succeeded) +
         " succeeded, " + std::to_string(s.failed) + " failed, " + std::to_string(skipped) +
         " skipped (already in the output), " + Format("%.1f", s.rate()) + " images/s, wall time " +
         Format("%.2f", s.elapsed_s) + " s";
}

ProgressReporter::ProgressReporter(ProgressOptions options, const ProgressCounters* counters,
                                   FILE* out)
    : options_(options), counters_(counters), out_(out), start_(std::chrono::steady_clock::now()) {}

ProgressReporter::~ProgressReporter() { Stop(); }

void ProgressReporter::Start() {
  start_ = std::chrono::steady_clock::now();
  if (options_.enabled) thread_ = std::thread([this] { Loop(); });
}

void ProgressReporter::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  stop_changed_.notify_all();
  if (thread_.joinable()) thread_.join();
}

ProgressSnapshot ProgressReporter::Snapshot() const {
  ProgressSnapshot s;
  s.succeeded = counters_->succeeded.load();
  s.failed = counters_->failed.load();
  s.total = counters_->total.load();
  s.elapsed_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  return s;
}

void ProgressReporter::Loop() {
  const auto interval = options_.terminal ? options_.bar_interval : options_.line_interval;
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_changed_.wait_for(lock, interval, [&] { return stop_; })) {
    const ProgressSnapshot s = Snapshot();
    if (options_.terminal) {
      std::fprintf(out_, "\r%s\033[K", FormatProgressBar(s, 30).c_str());
    } else {
      std::fprintf(out_, "%s\n", FormatProgressLine(s).c_str());
    }
    std::fflush(out_);
  }
  if (options_.terminal) {
    std::fprintf(out_, "\r%s\033[K\n", FormatProgressBar(Snapshot(), 30).c_str());
    std::fflush(out_);
  }
}

}  // namespace vit::score
