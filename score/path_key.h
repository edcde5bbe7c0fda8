// How a file is named in the output and identified across runs and workers:
// the output path (valid UTF-8) and a stable 64-bit hash of it, used both for
// resume (rows already written) and for sharding (--shard I/N).
#pragma once

#include <cstdint>
#include <string>

#include "common/status.h"

namespace vit::score {

/// `path` with every invalid UTF-8 sequence replaced by U+FFFD, so that it can be
/// written to JSON; identical to `path` for valid UTF-8.
std::string OutputPath(const std::string& path);

/// FNV-1a 64 of the bytes, finalized with MurmurHash3 fmix64: stable across runs,
/// machines and compilers.
uint64_t StableHash(const std::string& text);

/// --shard I/N: this worker scores the files whose StableHash(OutputPath) % N == I.
struct ShardSpec {
  int index = 0;  // I, 0-based
  int count = 1;  // N >= 1; 1 = no sharding

  bool Contains(uint64_t path_hash) const {
    return count <= 1 || path_hash % static_cast<uint64_t>(count) == static_cast<uint64_t>(index);
  }
};

/// Parses "I/N" with 0 <= I < N; "" is the whole set (0/1).
StatusOr<ShardSpec> ParseShard(const std::string& text);

}  // namespace vit::score
