#include "training/idx_dataset.h"

#include <torch/types.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace vit::training {
namespace {

uint32_t BigEndian32(const std::string& bytes, size_t offset) {
  auto byte = [&](size_t i) { return static_cast<uint32_t>(static_cast<uint8_t>(bytes[i])); };
  return (byte(offset) << 24) | (byte(offset + 1) << 16) | (byte(offset + 2) << 8) |
         byte(offset + 3);
}

StatusOr<std::string> Gunzip(const std::string& compressed, const std::string& path) {
  z_stream stream{};
  if (inflateInit2(&stream, 16 + MAX_WBITS) != Z_OK)
    return InternalError("zlib inflateInit2 failed for '" + path + "'");
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data()));
  stream.avail_in = static_cast<uInt>(compressed.size());
  std::string out;
  char buffer[1 << 16];
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    stream.next_out = reinterpret_cast<Bytef*>(buffer);
    stream.avail_out = sizeof(buffer);
    rc = inflate(&stream, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) {
      inflateEnd(&stream);
      return DataLossError("'" + path + "' is a corrupt or truncated gzip stream (zlib code " +
                           std::to_string(rc) + ")");
    }
    out.append(buffer, sizeof(buffer) - stream.avail_out);
    if (rc == Z_OK && stream.avail_in == 0 && stream.avail_out != 0) {
      inflateEnd(&stream);
      return DataLossError("'" + path + "' is a truncated gzip stream");
    }
  }
  inflateEnd(&stream);
  return out;
}

std::string FindSplitFile(const std::string& dir, const std::string& stem) {
  namespace fs = std::filesystem;
  for (const std::string& name : {stem + ".gz", stem}) {
    const fs::path path = fs::path(dir) / name;
    if (fs::is_regular_file(path)) return path.string();
  }
  return (fs::path(dir) / (stem + ".gz")).string();
}

}  // namespace

StatusOr<IdxArray> ParseIdx(const std::string& bytes, const std::string& name) {
  if (bytes.size() < 4) return DataLossError("'" + name + "' is too short for an IDX header");
  if (bytes[0] != 0 || bytes[1] != 0)
    return InvalidArgumentError("'" + name + "' is not an IDX file (bad magic)");
  if (static_cast<uint8_t>(bytes[2]) != 0x08)
    return UnimplementedError("'" + name +
                              "': only unsigned-byte IDX data (type 0x08) is supported");
  const int ndims = static_cast<uint8_t>(bytes[3]);
  if (ndims < 1 || ndims > 4)
    return InvalidArgumentError("'" + name + "' declares " + std::to_string(ndims) + " dims");
  const size_t header = 4 + 4 * static_cast<size_t>(ndims);
  if (bytes.size() < header) return DataLossError("'" + name + "': truncated IDX header");
  IdxArray array;
  uint64_t count = 1;
  for (int i = 0; i < ndims; ++i) {
    const uint32_t dim = BigEndian32(bytes, 4 + 4 * static_cast<size_t>(i));
    array.dims.push_back(dim);
    count *= dim;
    if (count > (uint64_t{1} << 34))
      return InvalidArgumentError("'" + name + "': IDX dims are implausibly large");
  }
  if (bytes.size() - header != count) {
    return DataLossError("'" + name + "': IDX header announces " + std::to_string(count) +
                         " bytes of data but the file has " +
                         std::to_string(bytes.size() - header));
  }
  array.data = torch::empty(array.dims, torch::kUInt8);
  std::memcpy(array.data.data_ptr<uint8_t>(), bytes.data() + header, count);
  return array;
}

StatusOr<std::string> ReadMaybeGzip(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return NotFoundError("cannot open '" + path + "'");
  std::ostringstream content;
  content << file.rdbuf();
  std::string bytes = content.str();
  const bool gzip = bytes.size() >= 2 && static_cast<uint8_t>(bytes[0]) == 0x1f &&
                    static_cast<uint8_t>(bytes[1]) == 0x8b;
  if (!gzip) return bytes;
  return Gunzip(bytes, path);
}

StatusOr<IdxArray> ReadIdxFile(const std::string& path) {
  VIT_ASSIGN_OR_RETURN(const std::string bytes, ReadMaybeGzip(path));
  return ParseIdx(bytes, path);
}

bool HasIdxSplit(const std::string& dir, const std::string& split) {
  namespace fs = std::filesystem;
  const std::string stem = split + "-images-idx3-ubyte";
  return fs::is_regular_file(fs::path(dir) / (stem + ".gz")) ||
         fs::is_regular_file(fs::path(dir) / stem);
}

StatusOr<IdxDataset> LoadIdxSplit(const std::string& dir, const std::string& split) {
  const std::string images_path = FindSplitFile(dir, split + "-images-idx3-ubyte");
  const std::string labels_path = FindSplitFile(dir, split + "-labels-idx1-ubyte");
  VIT_ASSIGN_OR_RETURN(const IdxArray images, ReadIdxFile(images_path));
  VIT_ASSIGN_OR_RETURN(const IdxArray labels, ReadIdxFile(labels_path));
  if (images.dims.size() != 3)
    return InvalidArgumentError("'" + images_path + "' is not a 3-d IDX image array");
  if (labels.dims.size() != 1)
    return InvalidArgumentError("'" + labels_path + "' is not a 1-d IDX label array");
  if (images.dims[0] != labels.dims[0]) {
    return InvalidArgumentError("'" + images_path + "' has " + std::to_string(images.dims[0]) +
                                " images but '" + labels_path + "' has " +
                                std::to_string(labels.dims[0]) + " labels");
  }
  return IdxDataset{images.data, labels.data.to(torch::kInt64)};
}

const std::vector<std::string>& FashionMnistLabels() {
  static const std::vector<std::string> kLabels = {
      "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
      "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
  return kLabels;
}

}  // namespace vit::training
