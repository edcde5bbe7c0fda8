#include "score/path_key.h"

#include <gtest/gtest.h>

#include <set>

namespace vit::score {
namespace {

TEST(ParseShardTest, AcceptsIOverN) {
  auto shard = ParseShard("2/5");
  ASSERT_TRUE(shard.ok()) << shard.status().ToString();
  EXPECT_EQ(shard->index, 2);
  EXPECT_EQ(shard->count, 5);
  auto whole = ParseShard("");
  ASSERT_TRUE(whole.ok());
  EXPECT_EQ(whole->count, 1);
}

TEST(ParseShardTest, RejectsMalformed) {
  for (const char* text : {"5/5", "1", "/3", "1/", "-1/3", "1/0", "a/b", "1/3/4", "1 /3"}) {
    auto shard = ParseShard(text);
    EXPECT_FALSE(shard.ok()) << text;
    if (!shard.ok()) {
      EXPECT_NE(shard.status().message().find(text), std::string::npos);
    }
  }
}

TEST(ShardSpecTest, EveryPathInExactlyOneShardAndShardsBalanced) {
  const int kShards = 4;
  std::vector<int> sizes(kShards, 0);
  for (int i = 0; i < 4000; ++i) {
    const uint64_t hash = StableHash("dir" + std::to_string(i % 7) + "/img_" + std::to_string(i));
    int owners = 0;
    for (int s = 0; s < kShards; ++s) {
      if (ShardSpec{s, kShards}.Contains(hash)) {
        ++owners;
        ++sizes[s];
      }
    }
    EXPECT_EQ(owners, 1);
  }
  for (int size : sizes) EXPECT_NEAR(size, 1000, 150);  // fmix64: no parity bias
}

TEST(StableHashTest, PinnedValues) {
  // Shards and resume keys must not move between builds or machines; values
  // computed independently (FNV-1a 64, then MurmurHash3 fmix64) in Python.
  EXPECT_EQ(StableHash(""), 0xefd01f60ba992926ull);
  EXPECT_EQ(StableHash("a/b.jpg"), 0x35f8a6164e308fa3ull);
}

TEST(OutputPathTest, KeepsValidUtf8AndReplacesInvalidBytes) {
  EXPECT_EQ(OutputPath("dir/caf\xC3\xA9.jpg"), "dir/caf\xC3\xA9.jpg");
  EXPECT_EQ(OutputPath("bad\xFF.jpg"), "bad\xEF\xBF\xBD.jpg");
  EXPECT_EQ(OutputPath("\xC3"), "\xEF\xBF\xBD");  // truncated sequence
  EXPECT_EQ(OutputPath("\xED\xA0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // surrogate
}

}  // namespace
}  // namespace vit::score
