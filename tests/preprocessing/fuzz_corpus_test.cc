// Deterministic corpus of random and mutated inputs (bit flips, truncations,
// header corruption, splices) of the real test images and small re-encodings of
// them in every supported format. Each must yield OK (with finite tokens) or a
// non-internal error; run under AddressSanitizer (VIT_SANITIZE_ADDRESS) as well.
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "preprocessing/image_header.h"
#include "preprocessing/image_preprocessor.h"
#include "tests/preprocessing/test_images.h"
#include "tests/support/test_paths.h"

namespace vit::preprocessing {
namespace {

constexpr uint64_t kSeed = 20240611;
constexpr int kCases = 3000;

using Bytes = std::vector<uint8_t>;

// The real test images, then small re-encodings (`*small_seeds` of them, at the end).
std::vector<Bytes> Seeds(size_t* small_seeds) {
  std::vector<Bytes> seeds;
  for (const auto& entry : std::filesystem::directory_iterator(testing::TestImagesDir())) {
    seeds.push_back(testing::ReadBytes(entry.path().string()));
  }
  const size_t real = seeds.size();
  // Small images keep the corpus fast; one per format the decoder accepts.
  cv::Mat small = cv::imread(testing::TestImagesDir() + "/chelsea.png");
  cv::resize(small, small, /*dsize=*/cv::Size(48, 32), /*fx=*/0, /*fy=*/0,
             /*interpolation=*/cv::INTER_AREA);
  cv::Mat gray;
  cv::cvtColor(small, gray, /*code=*/cv::COLOR_BGR2GRAY);
  for (const char* extension : {".jpg", ".png", ".bmp", ".webp", ".tiff", ".ppm", ".ras", ".jp2"}) {
    seeds.push_back(testing::Encode(small, extension));
  }
  seeds.push_back(testing::Encode(gray, ".pgm"));
  seeds.push_back(testing::Encode(gray, ".jpg", {cv::IMWRITE_JPEG_PROGRESSIVE, 1}));
  seeds.push_back(testing::WithJpegExif(testing::Encode(small, ".jpg"), 6));
  *small_seeds = seeds.size() - real;
  return seeds;
}

Bytes Mutate(const Bytes& seed, std::mt19937_64& rng) {
  auto uniform = [&](size_t n) { return n == 0 ? size_t{0} : size_t(rng() % n); };
  Bytes b = seed;
  switch (rng() % 7) {
    case 0: {  // random bytes, random length
      b.resize(uniform(4096));
      for (auto& v : b) v = uint8_t(rng());
      break;
    }
    case 1: {  // a valid magic number followed by random bytes
      const size_t keep = std::min<size_t>(b.size(), 4 + uniform(12));
      b.resize(keep + uniform(2048));
      for (size_t i = keep; i < b.size(); ++i) b[i] = uint8_t(rng());
      break;
    }
    case 2:  // bit flips anywhere
      for (int i = 0, n = 1 + int(uniform(16)); i < n && !b.empty(); ++i) {
        b[uniform(b.size())] ^= uint8_t(1u << uniform(8));
      }
      break;
    case 3:  // header corruption: the first 64 bytes
      for (int i = 0, n = 1 + int(uniform(6)); i < n && !b.empty(); ++i) {
        b[uniform(std::min<size_t>(b.size(), 64))] = uint8_t(rng());
      }
      break;
    case 4:  // truncation
      b.resize(uniform(b.size() + 1));
      break;
    case 5: {  // overwrite a range with 0x00 / 0xFF / random
      const size_t at = uniform(b.size());
      const size_t n = std::min(b.size() - at, 1 + uniform(64));
      const int fill = int(rng() % 3);
      for (size_t i = at; i < at + n; ++i) b[i] = fill == 0 ? 0 : fill == 1 ? 0xFF : uint8_t(rng());
      break;
    }
    default: {  // splice: duplicate a slice of the file somewhere else
      if (b.empty()) break;
      const size_t from = uniform(b.size());
      const size_t n = std::min(b.size() - from, 1 + uniform(256));
      const Bytes slice(b.begin() + from, b.begin() + from + n);
      b.insert(b.begin() + uniform(b.size()), slice.begin(), slice.end());
      break;
    }
  }
  return b;
}

TEST(PreprocessFuzzCorpus, RandomAndMutatedBytesNeverCrash) {
  size_t small_seeds = 0;
  const std::vector<Bytes> seeds = Seeds(&small_seeds);
  ASSERT_GE(seeds.size(), small_seeds + 10);
  for (const Bytes& seed : seeds) ASSERT_FALSE(seed.empty());
  PreprocessSpec spec;  // torchvision preset: bilinear 256 -> 224
  PreprocessOptions options;
  options.max_pixels = 4'000'000;  // corrupted headers must not make the corpus slow
  const ImagePreprocessor exact(spec, options);
  options.reduced_decode = true;
  const ImagePreprocessor reduced(spec, options);
  std::vector<float> tokens(exact.tokens_size());

  for (const Bytes& seed : seeds) {  // the unmodified real images decode (but truncated.jpg)
    const Status s = exact.EncodedToTokens(seed.data(), seed.size(), tokens.data());
    EXPECT_TRUE(s.ok() || s.code() == StatusCode::kDataLoss) << s.ToString();
  }
  std::mt19937_64 rng(kSeed);
  int ok = 0;
  std::map<StatusCode, int> errors;
  for (int i = 0; i < kCases; ++i) {
    // Two thirds of the cases mutate the small re-encodings (fast to decode).
    const size_t pick = rng() % 3 != 0 ? seeds.size() - 1 - (rng() % small_seeds)
                                       : rng() % (seeds.size() - small_seeds);
    const Bytes input = Mutate(seeds[pick], rng);
    const ImagePreprocessor& p = i % 2 == 0 ? exact : reduced;
    const Status s = p.EncodedToTokens(input.data(), input.size(), tokens.data());
    if (s.ok()) {
      ++ok;
      ASSERT_TRUE(std::isfinite(tokens.front()) && std::isfinite(tokens.back())) << "case " << i;
    } else {
      ++errors[s.code()];
      ASSERT_NE(s.code(), StatusCode::kInternal) << "case " << i << ": " << s.ToString();
      ASSERT_FALSE(s.message().empty()) << "case " << i;
    }
  }
  std::printf("%d cases: %d decoded", kCases, ok);
  for (const auto& [code, n] : errors) std::printf(", %d %s", n, StatusCodeName(code));
  std::printf("\n");
  EXPECT_GT(ok, 0);
  EXPECT_GT(kCases - ok, 0);
}

}  // namespace
}  // namespace vit::preprocessing
