#include "score/progress.h"

#include <gtest/gtest.h>

namespace vit::score {
namespace {

ProgressSnapshot Snap(uint64_t ok, uint64_t failed, int64_t total, double elapsed) {
  ProgressSnapshot s;
  s.succeeded = ok;
  s.failed = failed;
  s.total = total;
  s.elapsed_s = elapsed;
  return s;
}

TEST(ProgressFormatTest, BarShowsCountRateAndEta) {
  EXPECT_EQ(FormatProgressBar(Snap(48, 2, 100, 5), 10),
            "[=====>    ] 50/100  50%  10.0 img/s  ETA 0:00:05  2 failed");
  EXPECT_EQ(FormatProgressBar(Snap(3, 0, -1, 1), 4), "[    ] 3/?   ?%  3.0 img/s  ETA ?");
  EXPECT_EQ(FormatProgressBar(Snap(10, 0, 10, 2), 4), "[====] 10/10 100%  5.0 img/s  ETA 0:00:00");
}

TEST(ProgressFormatTest, PlainLineAndSummary) {
  EXPECT_EQ(FormatProgressLine(Snap(900, 100, 4000, 10)),
            "vit-score: 1000/4000 files (100 failed), 100.0 images/s, ETA 0:00:30");
  EXPECT_EQ(FormatSummary(Snap(997, 3, 1000, 8), 250),
            "vit-score: 1000 files, 997 succeeded, 3 failed, 250 skipped (already in the output), "
            "125.0 images/s, wall time 8.00 s");
  EXPECT_EQ(FormatDuration(3723), "1:02:03");
  EXPECT_EQ(FormatDuration(-1), "?");
}

TEST(ProgressReporterTest, PlainLinesWhileRunning) {
  ProgressCounters counters;
  counters.succeeded = 5;
  counters.total = 10;
  char* buffer = nullptr;
  size_t size = 0;
  FILE* out = open_memstream(&buffer, &size);
  ProgressOptions options;
  options.line_interval = std::chrono::milliseconds(20);
  ProgressReporter reporter(options, &counters, out);
  reporter.Start();
  std::this_thread::sleep_for(std::chrono::milliseconds(150));
  reporter.Stop();
  std::fclose(out);
  const std::string text(buffer, size);
  free(buffer);
  EXPECT_NE(text.find("vit-score: 5/10 files (0 failed)"), std::string::npos) << text;
  EXPECT_EQ(text.find('\r'), std::string::npos);
}

}  // namespace
}  // namespace vit::score
