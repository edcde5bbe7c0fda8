// ReadSafetensors maps the file: float32 tensors view it in place, writes to
// them stay private to the process, misaligned or narrower data is copied,
// and a freed tensor's pages leave the process (what keeps the fast path's
// block-by-block packing from holding the whole float32 model).
#include <gtest/gtest.h>
#include <torch/types.h>
#include <unistd.h>

#include <fstream>

#include "model/safetensors.h"
#include "tests/support/files.h"
#include "tests/support/temp_folder.h"

namespace vit {
namespace {

class SafetensorsMappingTest : public ::testing::Test {
 protected:
  testing::TempFolder dir_{"vit-safetensors-mapping"};  // one per test
};

// File-backed resident memory of this process (RssFile in /proc/self/status), KiB.
int64_t RssFileKiB() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("RssFile:", 0) == 0) return std::stoll(line.substr(8));
  }
  return -1;
}

TEST_F(SafetensorsMappingTest, ValuesMatchAndInPlaceWritesNeverReachTheFile) {
  const std::string path = dir_ / "w.safetensors";
  TensorMap written;
  written.emplace_back("a", torch::arange(15, torch::kFloat32).reshape({3, 5}));
  written.emplace_back("b", torch::tensor({1.5f, -2.25f, 3.0f, 0.5f}).to(torch::kBFloat16));
  written.emplace_back("c", torch::linspace(-1, 1, 4099));
  ASSERT_TRUE(WriteSafetensors(path, written).ok());
  const std::string before = testing::ReadFile(path);

  auto read = ReadSafetensors(path);
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  ASSERT_EQ(read->size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ((*read)[i].first, written[i].first);
    EXPECT_EQ((*read)[i].second.scalar_type(), torch::kFloat32) << written[i].first;
    EXPECT_TRUE(torch::equal((*read)[i].second, written[i].second.to(torch::kFloat32)))
        << written[i].first;
  }
  (*read)[0].second.mul_(7.0f);  // copy-on-write: the file and a second read are unchanged
  (*read)[2].second.zero_();
  EXPECT_EQ(testing::ReadFile(path), before);
  auto again = ReadSafetensors(path);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(torch::equal((*again)[0].second, written[0].second));
  EXPECT_TRUE(torch::equal((*again)[2].second, written[2].second));
}

TEST_F(SafetensorsMappingTest, MisalignedFloatDataIsCopiedCorrectly) {
  // Header length 57: the data starts at byte 65, not a multiple of 4.
  std::string header = R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";
  header.resize(57, ' ');
  const float values[2] = {0.25f, -8.5f};
  std::string bytes;
  for (int i = 0; i < 8; ++i) bytes.push_back(static_cast<char>((header.size() >> (8 * i)) & 0xff));
  bytes += header;
  bytes.append(reinterpret_cast<const char*>(values), sizeof(values));
  const std::string path = dir_ / "odd.safetensors";
  ASSERT_TRUE(testing::WriteFile(path, bytes));

  auto read = ReadSafetensors(path);
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  ASSERT_EQ(read->size(), 1u);
  EXPECT_FLOAT_EQ((*read)[0].second[0].item<float>(), 0.25f);
  EXPECT_FLOAT_EQ((*read)[0].second[1].item<float>(), -8.5f);
}

TEST_F(SafetensorsMappingTest, PagesArriveOnUseAndLeaveWhenTheTensorIsFreed) {
  const std::string path = dir_ / "big.safetensors";
  constexpr int64_t kFloats = 16 << 20;  // 64 MiB
  {
    TensorMap written;
    written.emplace_back("big", torch::ones({kFloats}));
    ASSERT_TRUE(WriteSafetensors(path, written).ok());
  }
  const int64_t start = RssFileKiB();
  ASSERT_GE(start, 0) << "no RssFile in /proc/self/status";
  auto read = ReadSafetensors(path);
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  // Mapped, not read: nothing resident yet.
  EXPECT_LT(RssFileKiB() - start, 16 * 1024);
  EXPECT_EQ((*read)[0].second.sum().item<double>(), static_cast<double>(kFloats));
  const int64_t touched = RssFileKiB();
  EXPECT_GT(touched - start, 48 * 1024) << "start " << start << " KiB, touched " << touched;
  read = TensorMap();  // the last view goes: its pages are dropped
  const int64_t released = RssFileKiB();
  EXPECT_LT(released - start, 16 * 1024) << "touched " << touched << " KiB, released " << released;
}

}  // namespace
}  // namespace vit
