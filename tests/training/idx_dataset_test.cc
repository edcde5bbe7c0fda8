#include "training/idx_dataset.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include "tests/support/files.h"
#include "tests/support/temp_folder.h"

namespace vit::training {
namespace {

using testing::ReadFile;
using testing::WriteFile;

std::string BigEndian(uint32_t v) {
  return std::string{static_cast<char>(v >> 24), static_cast<char>(v >> 16),
                     static_cast<char>(v >> 8), static_cast<char>(v)};
}

// IDX bytes of `count` images of h x w whose pixel i of image n is n * 10 + i.
std::string ImagesIdx(uint32_t count, uint32_t h, uint32_t w) {
  std::string bytes =
      std::string("\0\0\x08\x03", 4) + BigEndian(count) + BigEndian(h) + BigEndian(w);
  for (uint32_t n = 0; n < count; ++n)
    for (uint32_t i = 0; i < h * w; ++i) bytes.push_back(static_cast<char>(n * 10 + i));
  return bytes;
}

std::string LabelsIdx(const std::vector<uint8_t>& labels) {
  std::string bytes =
      std::string("\0\0\x08\x01", 4) + BigEndian(static_cast<uint32_t>(labels.size()));
  for (uint8_t label : labels) bytes.push_back(static_cast<char>(label));
  return bytes;
}

void WriteGzip(const std::string& path, const std::string& bytes) {
  gzFile file = gzopen(path.c_str(), "wb");
  ASSERT_NE(file, nullptr);
  ASSERT_EQ(gzwrite(file, bytes.data(), static_cast<unsigned>(bytes.size())),
            static_cast<int>(bytes.size()));
  gzclose(file);
}

TEST(IdxDatasetTest, ParsesImagesInRowMajorOrder) {
  auto array = ParseIdx(ImagesIdx(2, 3, 2), "mem");
  ASSERT_TRUE(array.ok()) << array.status().ToString();
  EXPECT_EQ(array->dims, (std::vector<int64_t>{2, 3, 2}));
  EXPECT_EQ(array->data[1][2][1].item<uint8_t>(), 10 + 5);
  EXPECT_EQ(array->data[0][0][1].item<uint8_t>(), 1);
}

TEST(IdxDatasetTest, LoadsGzipAndPlainSplits) {
  testing::TempFolder dir;
  WriteGzip(dir / "train-images-idx3-ubyte.gz", ImagesIdx(3, 2, 2));
  WriteGzip(dir / "train-labels-idx1-ubyte.gz", LabelsIdx({7, 0, 9}));
  WriteFile(dir / "t10k-images-idx3-ubyte", ImagesIdx(1, 2, 2));
  WriteFile(dir / "t10k-labels-idx1-ubyte", LabelsIdx({4}));
  auto train = LoadIdxSplit(dir.path(), "train");
  ASSERT_TRUE(train.ok()) << train.status().ToString();
  EXPECT_EQ(train->size(), 3);
  EXPECT_EQ(train->labels[2].item<int64_t>(), 9);
  EXPECT_EQ(train->images[2][1][1].item<uint8_t>(), 23);
  auto test = LoadIdxSplit(dir.path(), "t10k");
  ASSERT_TRUE(test.ok()) << test.status().ToString();
  EXPECT_EQ(test->labels[0].item<int64_t>(), 4);
  EXPECT_TRUE(HasIdxSplit(dir.path(), "train"));
  EXPECT_FALSE(HasIdxSplit(dir.path(), "valid"));
}

TEST(IdxDatasetTest, RejectsBadMagicAndWrongType) {
  std::string bytes = ImagesIdx(1, 2, 2);
  bytes[0] = 1;
  EXPECT_EQ(ParseIdx(bytes, "x").status().code(), StatusCode::kInvalidArgument);
  bytes = ImagesIdx(1, 2, 2);
  bytes[2] = 0x0D;  // float data
  EXPECT_EQ(ParseIdx(bytes, "x").status().code(), StatusCode::kUnimplemented);
  EXPECT_EQ(ParseIdx("\0\0", "x").status().code(), StatusCode::kDataLoss);
}

TEST(IdxDatasetTest, RejectsTruncatedAndOversizedData) {
  const std::string bytes = ImagesIdx(2, 3, 3);
  auto truncated = ParseIdx(bytes.substr(0, bytes.size() - 1), "short.idx");
  EXPECT_EQ(truncated.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(truncated.status().message().find("short.idx"), std::string::npos);
  EXPECT_EQ(ParseIdx(bytes + "x", "x").status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(ParseIdx(bytes.substr(0, 10), "x").status().code(), StatusCode::kDataLoss);
}

TEST(IdxDatasetTest, RejectsTruncatedGzip) {
  testing::TempFolder dir;
  const std::string path = dir / "cut.gz";
  WriteGzip(path, ImagesIdx(50, 28, 28));
  const std::string compressed = ReadFile(path);
  WriteFile(path, compressed.substr(0, compressed.size() / 2));
  auto result = ReadIdxFile(path);
  EXPECT_EQ(result.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(result.status().message().find(path), std::string::npos);
}

TEST(IdxDatasetTest, RejectsMismatchedCountsAndMissingFiles) {
  testing::TempFolder dir;
  WriteFile(dir / "train-images-idx3-ubyte", ImagesIdx(3, 2, 2));
  EXPECT_EQ(LoadIdxSplit(dir.path(), "train").status().code(), StatusCode::kNotFound);
  WriteFile(dir / "train-labels-idx1-ubyte", LabelsIdx({1, 2}));
  auto result = LoadIdxSplit(dir.path(), "train");
  EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(result.status().message().find("3 images"), std::string::npos);
}

}  // namespace
}  // namespace vit::training
