// vit-bench-preprocess: decode + preprocess to tokens (timm bicubic 224 pipeline),
// one thread, for a generated 500x375 and 4000x3000 JPEG: ours exact, ours with
// reduced JPEG decode, and PIL + torchvision (bench/preprocess_pil.py) in the same
// run. Prints a table and one JSON line. Exit codes: 0 ok, 1 usage, 2 a run failed.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>

#include "bench/preprocess/bench_timing.h"
#include "preprocessing/image_preprocessor.h"
#include "tests/support/files.h"
#include "tests/support/synthetic_jpeg.h"

namespace vit::bench {
namespace {

// Timing rounds per variant (ours and PIL alike); the best round median is reported.
constexpr int kRounds = 3;

struct Flags {
  /// Timed iterations for the small and the large image.
  int iterations_small = 200;
  int iterations_large = 10;
  /// Where the generated JPEGs are written (the PIL run reads them from there).
  std::string out_dir = "/tmp/vit-bench-preprocess";
  /// Interpreter with PIL + torchvision; empty disables the baseline (--no-pil).
  std::string python = "/usr/bin/python3";
  /// OpenCV threads for our runs; the comparison is meant for 1.
  int threads = 1;
  /// PreprocessOptions::reduced_decode_min_ratio for the reduced-decode run.
  double reduced_min_ratio = preprocessing::PreprocessOptions{}.reduced_decode_min_ratio;
};

const char kUsage[] =
    "usage: vit-bench-preprocess [--iterations-small=N (200)] [--iterations-large=N (10)]\n"
    "  [--out-dir=DIR (/tmp/vit-bench-preprocess)] [--python=PATH (/usr/bin/python3)]\n"
    "  [--no-pil] [--threads=N (1)] [--reduced-min-ratio=R (2.0)]\n";

bool ParseFlags(int argc, char** argv, Flags* flags) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const size_t eq = arg.find('=');
    const std::string name = arg.substr(0, eq);
    const std::string value = eq == std::string::npos ? "" : arg.substr(eq + 1);
    if (name == "--iterations-small")
      flags->iterations_small = std::atoi(value.c_str());
    else if (name == "--iterations-large")
      flags->iterations_large = std::atoi(value.c_str());
    else if (name == "--out-dir")
      flags->out_dir = value;
    else if (name == "--python")
      flags->python = value;
    else if (name == "--no-pil")
      flags->python.clear();
    else if (name == "--threads")
      flags->threads = std::atoi(value.c_str());
    else if (name == "--reduced-min-ratio")
      flags->reduced_min_ratio = std::atof(value.c_str());
    else
      return false;
  }
  return flags->iterations_small > 0 && flags->iterations_large > 0 && flags->threads > 0;
}

PreprocessSpec TimmBicubic224() {
  PreprocessSpec spec;
  spec.resize_shorter_side = 248;  // floor(224 / crop_pct 0.9)
  spec.interpolation = Interpolation::kBicubic;
  spec.mean = {0.5f, 0.5f, 0.5f};
  spec.std = {0.5f, 0.5f, 0.5f};
  return spec;
}

struct Row {
  std::string name;
  std::string path;
  size_t bytes = 0;
  int iterations = 0;
  double exact_ms = NAN;
  double reduced_ms = NAN;
  double pil_ms = NAN;
  double reduced_mean_diff = NAN;
  int reduced_max_diff = 0;
};

// Mean and max |a - b| over two crops of the same size.
void CropDiff(const cv::Mat& a, const cv::Mat& b, double* mean, int* max) {
  cv::Mat diff;
  cv::absdiff(a, b, diff);
  *mean = cv::mean(diff.reshape(/*cn=*/1))[0];
  double max_value = 0;
  cv::minMaxLoc(diff.reshape(/*cn=*/1), /*minVal=*/nullptr, /*maxVal=*/&max_value);
  *max = static_cast<int>(max_value);
}

bool TimeOurs(const Flags& flags, Row* row) {
  std::vector<uint8_t> bytes;
  std::FILE* f = std::fopen(row->path.c_str(), "rb");
  if (f == nullptr) return false;
  bytes.resize(row->bytes);
  const bool read = std::fread(bytes.data(), 1, bytes.size(), f) == bytes.size();
  std::fclose(f);
  if (!read) return false;
  preprocessing::PreprocessOptions reduced_options;
  reduced_options.reduced_decode = true;
  reduced_options.reduced_decode_min_ratio = flags.reduced_min_ratio;
  const preprocessing::ImagePreprocessor exact(TimmBicubic224());
  const preprocessing::ImagePreprocessor reduced(TimmBicubic224(), reduced_options);
  std::vector<float> tokens(exact.tokens_size());
  bool ok = true;
  // Interleaved rounds, best round median: load from other processes on a shared
  // machine then hits both variants alike instead of whichever ran last.
  row->exact_ms = row->reduced_ms = INFINITY;
  const int per_round = std::max(1, row->iterations / kRounds);
  for (int round = 0; round < kRounds; ++round) {
    row->exact_ms =
        std::min(row->exact_ms, MedianMs(per_round, [&] {
                   ok &= exact.EncodedToTokens(bytes.data(), bytes.size(), tokens.data()).ok();
                 }));
    row->reduced_ms =
        std::min(row->reduced_ms, MedianMs(per_round, [&] {
                   ok &= reduced.EncodedToTokens(bytes.data(), bytes.size(), tokens.data()).ok();
                 }));
  }
  StatusOr<cv::Mat> a = exact.EncodedToCrop(bytes.data(), bytes.size());
  StatusOr<cv::Mat> b = reduced.EncodedToCrop(bytes.data(), bytes.size());
  if (!ok || !a.ok() || !b.ok()) return false;
  CropDiff(*a, *b, &row->reduced_mean_diff, &row->reduced_max_diff);
  return true;
}

void PrintReport(const Flags& flags, const std::vector<Row>& rows) {
  std::printf(
      "decode + preprocess to tokens, timm bicubic 224, %d thread(s), ms/image (best of %d round "
      "medians)\n",
      flags.threads, kRounds);
  std::printf("%-10s %9s %6s %10s %12s %10s %10s %12s %18s\n", "image", "bytes", "iters",
              "ours exact", "ours reduced", "PIL+tv", "PIL/exact", "PIL/reduced",
              "reduced vs exact");
  nlohmann::json results = nlohmann::json::array();
  for (const Row& r : rows) {
    std::printf("%-10s %9zu %6d %10.2f %12.2f %10.2f %9.2fx %11.2fx   mean %.3f max %d\n",
                r.name.c_str(), r.bytes, r.iterations, r.exact_ms, r.reduced_ms, r.pil_ms,
                r.pil_ms / r.exact_ms, r.pil_ms / r.reduced_ms, r.reduced_mean_diff,
                r.reduced_max_diff);
    const auto number = [](double v) {
      return std::isnan(v) ? nlohmann::json() : nlohmann::json(v);
    };
    results.push_back({{"image", r.name},
                       {"bytes", r.bytes},
                       {"ours_exact_ms", number(r.exact_ms)},
                       {"ours_reduced_ms", number(r.reduced_ms)},
                       {"pil_torchvision_ms", number(r.pil_ms)},
                       {"speedup_exact", number(r.pil_ms / r.exact_ms)},
                       {"speedup_reduced", number(r.pil_ms / r.reduced_ms)},
                       {"reduced_mean_abs_diff", number(r.reduced_mean_diff)},
                       {"reduced_max_abs_diff", r.reduced_max_diff}});
  }
  const nlohmann::json line = {{"bench", "preprocess"},
                               {"pipeline", "timm_bicubic_224"},
                               {"threads", flags.threads},
                               {"reduced_min_ratio", flags.reduced_min_ratio},
                               {"results", results}};
  std::printf("%s\n", line.dump().c_str());
}

int Run(const Flags& flags) {
  cv::setNumThreads(flags.threads);
  std::filesystem::create_directories(flags.out_dir);
  std::vector<Row> rows = {{"500x375", flags.out_dir + "/bench_500x375.jpg"},
                           {"4000x3000", flags.out_dir + "/bench_4000x3000.jpg"}};
  const int sizes[2][2] = {{500, 375}, {4000, 3000}};
  for (int i = 0; i < 2; ++i) {
    const std::vector<uint8_t> jpeg =
        testing::SyntheticJpeg(sizes[i][0], sizes[i][1], /*seed=*/i + 1);
    rows[i].bytes = jpeg.size();
    rows[i].iterations = i == 0 ? flags.iterations_small : flags.iterations_large;
    if (jpeg.empty() || !testing::WriteFile(rows[i].path, jpeg)) {
      std::fprintf(stderr, "cannot write %s\n", rows[i].path.c_str());
      return 2;
    }
    if (!TimeOurs(flags, &rows[i])) {
      std::fprintf(stderr, "preprocessing failed on %s\n", rows[i].path.c_str());
      return 2;
    }
  }
  int exit_code = 0;
  if (!flags.python.empty()) {
    std::vector<double> pil_ms;
    std::string error;
    if (RunPilBaseline(flags.python, VIT_BENCH_PIL_SCRIPT, {rows[0].path, rows[1].path},
                       {rows[0].iterations, rows[1].iterations}, kRounds, &pil_ms, &error)) {
      rows[0].pil_ms = pil_ms[0];
      rows[1].pil_ms = pil_ms[1];
    } else {
      std::fprintf(stderr, "PIL baseline failed: %s\n", error.c_str());
      exit_code = 2;
    }
  }
  PrintReport(flags, rows);
  return exit_code;
}

}  // namespace
}  // namespace vit::bench

int main(int argc, char** argv) {
  vit::bench::Flags flags;
  if (!vit::bench::ParseFlags(argc, argv, &flags)) {
    std::fputs(vit::bench::kUsage, stderr);
    return 1;
  }
  return vit::bench::Run(flags);
}
