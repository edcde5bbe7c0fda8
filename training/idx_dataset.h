// Reader for the IDX files of MNIST / Fashion-MNIST (plain or gzip-compressed):
// big-endian magic 0x0000TTNN (TT = 0x08 unsigned bytes, NN = number of dims),
// NN big-endian uint32 dims, then the data.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"

namespace vit::training {

/// One IDX array of unsigned bytes.
struct IdxArray {
  std::vector<int64_t> dims;
  at::Tensor data;  // uint8, shaped `dims`
};

/// Parses an IDX byte buffer; `name` appears in error messages.
StatusOr<IdxArray> ParseIdx(const std::string& bytes, const std::string& name);

/// Reads a whole file, gunzipping it when it starts with the gzip magic.
StatusOr<std::string> ReadMaybeGzip(const std::string& path);

/// ReadMaybeGzip + ParseIdx.
StatusOr<IdxArray> ReadIdxFile(const std::string& path);

/// Images [N, H, W] uint8 and labels [N] int64 of one split.
struct IdxDataset {
  at::Tensor images;
  at::Tensor labels;
  int64_t size() const { return labels.defined() ? labels.size(0) : 0; }
};

/// Loads `<dir>/<split>-images-idx3-ubyte[.gz]` and `<dir>/<split>-labels-idx1-ubyte[.gz]`
/// (split "train" or "t10k"); checks that the counts agree and labels are < 256.
StatusOr<IdxDataset> LoadIdxSplit(const std::string& dir, const std::string& split);

/// True when `dir` holds the images file of `split` (plain or .gz).
bool HasIdxSplit(const std::string& dir, const std::string& split);

/// The ten Fashion-MNIST class names, in label order.
const std::vector<std::string>& FashionMnistLabels();

}  // namespace vit::training
