// The files an earlier run already scored, as StableHash(OutputPath) values:
// 8 bytes per row read back, looked up by binary search.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

namespace vit::score {

class DoneSet {
 public:
  void Add(uint64_t path_hash) {
    hashes_.push_back(path_hash);
    sorted_ = false;
  }
  /// Call after the last Add and before Contains.
  void Seal() {
    std::sort(hashes_.begin(), hashes_.end());
    hashes_.erase(std::unique(hashes_.begin(), hashes_.end()), hashes_.end());
    sorted_ = true;
  }
  bool Contains(uint64_t path_hash) const {
    return sorted_ && std::binary_search(hashes_.begin(), hashes_.end(), path_hash);
  }
  size_t size() const { return hashes_.size(); }

 private:
  std::vector<uint64_t> hashes_;
  bool sorted_ = true;
};

}  // namespace vit::score
