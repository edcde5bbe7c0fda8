#include "model/safetensors.h"

#include <torch/types.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <limits>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>

#include "model/mapped_file.h"

namespace vit {
namespace {

// Largest JSON header we accept; real headers are well under 1 MiB.
constexpr uint64_t kMaxHeaderBytes = 100ull << 20;

struct EntrySpec {
  std::string name;
  torch::ScalarType dtype;
  std::vector<int64_t> shape;
  uint64_t begin = 0;
  uint64_t end = 0;
};

std::string ShapeString(const std::vector<int64_t>& shape) {
  std::ostringstream out;
  out << "[";
  for (size_t i = 0; i < shape.size(); ++i) out << (i ? ", " : "") << shape[i];
  out << "]";
  return out.str();
}

bool ParseDtype(const std::string& name, torch::ScalarType* dtype) {
  if (name == "F32")
    *dtype = torch::kFloat32;
  else if (name == "F16")
    *dtype = torch::kFloat16;
  else if (name == "BF16")
    *dtype = torch::kBFloat16;
  else if (name == "U8")
    *dtype = torch::kUInt8;
  else
    return false;
  return true;
}

const char* DtypeName(torch::ScalarType dtype) {
  switch (dtype) {
    case torch::kFloat32:
      return "F32";
    case torch::kFloat16:
      return "F16";
    case torch::kBFloat16:
      return "BF16";
    case torch::kUInt8:
      return "U8";
    default:
      return nullptr;
  }
}

Status Invalid(const std::string& path, const std::string& what) {
  return InvalidArgumentError("safetensors file '" + path + "': " + what);
}

// Parses and validates one header entry against the data section size.
StatusOr<EntrySpec> ParseEntry(const std::string& path, const std::string& name,
                               const nlohmann::json& value, uint64_t data_size) {
  if (!value.is_object() || !value.contains("dtype") || !value.contains("shape") ||
      !value.contains("data_offsets")) {
    return Invalid(path, "tensor '" + name + "' lacks dtype, shape or data_offsets");
  }
  EntrySpec spec;
  spec.name = name;
  const auto& dtype = value["dtype"];
  if (!dtype.is_string() || !ParseDtype(dtype.get<std::string>(), &spec.dtype)) {
    return Invalid(path, "tensor '" + name + "' has unsupported dtype " + dtype.dump() +
                             " (supported: F32, F16, BF16, U8)");
  }
  const auto& shape = value["shape"];
  if (!shape.is_array()) return Invalid(path, "tensor '" + name + "' shape is not a list");
  uint64_t numel = 1;
  for (const auto& dim : shape) {
    if (!dim.is_number_integer() || dim.get<int64_t>() < 0) {
      return Invalid(path, "tensor '" + name + "' has a bad dimension " + dim.dump());
    }
    const auto d = dim.get<uint64_t>();
    if (d != 0 && numel > (UINT64_MAX / d))
      return Invalid(path, "tensor '" + name + "' is too large");
    numel *= d;
    spec.shape.push_back(static_cast<int64_t>(d));
  }
  const auto& offsets = value["data_offsets"];
  if (!offsets.is_array() || offsets.size() != 2 || !offsets[0].is_number_unsigned() ||
      !offsets[1].is_number_unsigned()) {
    return Invalid(path, "tensor '" + name + "' data_offsets must be two non-negative integers");
  }
  spec.begin = offsets[0].get<uint64_t>();
  spec.end = offsets[1].get<uint64_t>();
  if (spec.begin > spec.end || spec.end > data_size) {
    return Invalid(path, "tensor '" + name + "' data_offsets [" + std::to_string(spec.begin) +
                             ", " + std::to_string(spec.end) +
                             ") are outside the data section of " + std::to_string(data_size) +
                             " bytes");
  }
  const uint64_t element_size = torch::elementSize(spec.dtype);
  // Without this check numel * element_size can wrap to the span of the
  // offsets (e.g. 2^62 F32 elements in 0 bytes) and LibTorch throws later.
  if (numel > std::numeric_limits<int64_t>::max() / element_size)
    return Invalid(path, "tensor '" + name + "' is too large");
  const uint64_t expected = numel * element_size;
  if (spec.end - spec.begin != expected) {
    return Invalid(path, "tensor '" + name + "' shape " + ShapeString(spec.shape) + " of " +
                             DtypeName(spec.dtype) + " needs " + std::to_string(expected) +
                             " bytes but data_offsets span " +
                             std::to_string(spec.end - spec.begin));
  }
  return spec;
}

Status CheckNoOverlap(const std::string& path, std::vector<EntrySpec> specs) {
  std::sort(specs.begin(), specs.end(),
            [](const EntrySpec& a, const EntrySpec& b) { return a.begin < b.begin; });
  for (size_t i = 1; i < specs.size(); ++i) {
    if (specs[i].begin < specs[i - 1].end) {
      return Invalid(path, "tensors '" + specs[i - 1].name + "' and '" + specs[i].name +
                               "' overlap in the data section");
    }
  }
  return Status::Ok();
}

enum class ReadMode { kWidenToFloat, kRaw, kMetaOnly };

// float32 tensors view the mapped file in place (no copy, paged in on first
// use, pages dropped when the tensor is freed); F16 / BF16 / U8 and misaligned
// float32 data are copied out (and widened) and their pages dropped at once.
StatusOr<TensorMap> MapTensors(const std::string& path, uint64_t file_size, uint64_t data_start,
                               const std::vector<EntrySpec>& specs) {
  VIT_ASSIGN_OR_RETURN(std::shared_ptr<MappedFile> file, MappedFile::Open(path));
  if (file->size() != file_size) {
    return DataLossError("safetensors file '" + path + "' changed size while being read");
  }
  TensorMap tensors;
  tensors.reserve(specs.size());
  for (const auto& spec : specs) {
    const uint64_t offset = data_start + spec.begin;
    const uint64_t length = spec.end - spec.begin;
    char* data = file->data() + offset;
    torch::Tensor tensor;
    if (spec.dtype == torch::kFloat32 && reinterpret_cast<uintptr_t>(data) % alignof(float) == 0) {
      tensor = torch::from_blob(
          data, spec.shape, [file, offset, length](void*) { file->Release(offset, length); },
          torch::TensorOptions().dtype(torch::kFloat32));
    } else {
      tensor = torch::empty(spec.shape, torch::TensorOptions().dtype(spec.dtype));
      std::memcpy(tensor.data_ptr(), data, length);
      file->Release(offset, length);
      if (spec.dtype == torch::kFloat16 || spec.dtype == torch::kBFloat16)
        tensor = tensor.to(torch::kFloat32);
    }
    tensors.emplace_back(spec.name, std::move(tensor));
  }
  return tensors;
}

StatusOr<TensorMap> Read(const std::string& path, ReadMode mode) {
  std::ifstream file(path, std::ios::binary | std::ios::ate);
  if (!file) return NotFoundError("cannot open safetensors file '" + path + "'");
  const auto file_size = static_cast<uint64_t>(file.tellg());
  if (file_size < 8) {
    return Invalid(path, "file is " + std::to_string(file_size) +
                             " bytes, too short for the 8-byte header length");
  }
  file.seekg(0);
  unsigned char length_bytes[8];
  file.read(reinterpret_cast<char*>(length_bytes), 8);
  uint64_t header_size = 0;
  for (int i = 7; i >= 0; --i) header_size = (header_size << 8) | length_bytes[i];
  if (header_size > file_size - 8 || header_size > kMaxHeaderBytes) {
    return Invalid(path, "header length " + std::to_string(header_size) +
                             " exceeds the file size of " + std::to_string(file_size) + " bytes");
  }
  std::string header_text(header_size, '\0');
  file.read(header_text.data(), static_cast<std::streamsize>(header_size));
  nlohmann::json header = nlohmann::json::parse(header_text, nullptr, /*allow_exceptions=*/false);
  if (header.is_discarded() || !header.is_object()) {
    return Invalid(path, "header is not a valid JSON object");
  }
  const uint64_t data_start = 8 + header_size;
  const uint64_t data_size = file_size - data_start;

  std::vector<EntrySpec> specs;
  for (const auto& [name, value] : header.items()) {
    if (name == "__metadata__") continue;
    VIT_ASSIGN_OR_RETURN(EntrySpec spec, ParseEntry(path, name, value, data_size));
    specs.push_back(std::move(spec));
  }
  VIT_RETURN_IF_ERROR(CheckNoOverlap(path, specs));
  // File order = data order, which is also how the libraries write them.
  std::sort(specs.begin(), specs.end(),
            [](const EntrySpec& a, const EntrySpec& b) { return a.begin < b.begin; });

  TensorMap tensors;
  tensors.reserve(specs.size());
  if (mode == ReadMode::kMetaOnly) {
    for (const auto& spec : specs) {
      tensors.emplace_back(
          spec.name,
          torch::empty(spec.shape, torch::TensorOptions().dtype(spec.dtype).device(torch::kMeta)));
    }
    return tensors;
  }
  if (mode == ReadMode::kWidenToFloat) return MapTensors(path, file_size, data_start, specs);
  for (const auto& spec : specs) {
    // Read straight into the tensor's own storage: one copy of the weights.
    torch::Tensor tensor = torch::empty(spec.shape, torch::TensorOptions().dtype(spec.dtype));
    file.seekg(static_cast<std::streamoff>(data_start + spec.begin));
    file.read(static_cast<char*>(tensor.data_ptr()),
              static_cast<std::streamsize>(spec.end - spec.begin));
    if (!file)
      return DataLossError("safetensors file '" + path + "': short read for tensor '" + spec.name +
                           "'");
    tensors.emplace_back(spec.name, std::move(tensor));
  }
  return tensors;
}

}  // namespace

StatusOr<TensorMap> ReadSafetensors(const std::string& path) {
  return Read(path, ReadMode::kWidenToFloat);
}

StatusOr<TensorMap> ReadSafetensorsRaw(const std::string& path) {
  return Read(path, ReadMode::kRaw);
}

StatusOr<TensorMap> ReadSafetensorsMeta(const std::string& path) {
  return Read(path, ReadMode::kMetaOnly);
}

Status WriteSafetensors(const std::string& path, const TensorMap& tensors) {
  nlohmann::json header = nlohmann::json::object();
  std::vector<torch::Tensor> contiguous;
  uint64_t offset = 0;
  for (const auto& [name, tensor] : tensors) {
    const char* dtype = DtypeName(tensor.scalar_type());
    if (dtype == nullptr)
      return InvalidArgumentError("cannot write tensor '" + name + "': unsupported dtype");
    torch::Tensor t = tensor.detach().to(torch::kCPU).contiguous();
    const uint64_t bytes = static_cast<uint64_t>(t.numel()) * t.element_size();
    header[name] = {
        {"dtype", dtype}, {"shape", t.sizes().vec()}, {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
    contiguous.push_back(std::move(t));
  }
  std::string header_text = header.dump();
  // Pad to a multiple of 8 so the data section is aligned, as the reference writer does.
  header_text.append((8 - header_text.size() % 8) % 8, ' ');
  const std::string tmp_path = path + ".tmp";
  {
    std::ofstream out(tmp_path, std::ios::binary | std::ios::trunc);
    if (!out) return NotFoundError("cannot write '" + tmp_path + "'");
    uint64_t n = header_text.size();
    for (int i = 0; i < 8; ++i) out.put(static_cast<char>((n >> (8 * i)) & 0xff));
    out.write(header_text.data(), static_cast<std::streamsize>(header_text.size()));
    for (const auto& t : contiguous) {
      out.write(static_cast<const char*>(t.data_ptr()),
                static_cast<std::streamsize>(t.numel() * t.element_size()));
    }
    if (!out) return InternalError("write to '" + tmp_path + "' failed");
  }
  // Rename so a crash never leaves a half-written checkpoint under the final name.
  if (std::rename(tmp_path.c_str(), path.c_str()) != 0) {
    return InternalError("cannot rename '" + tmp_path + "' to '" + path + "'");
  }
  return Status::Ok();
}

}  // namespace vit
