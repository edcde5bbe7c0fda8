#include "model/pth_archive.h"

#include <c10/util/Exception.h>
#include <caffe2/serialize/inline_container.h>

#include <sys/stat.h>
#include <fstream>
#include <utility>

namespace vit {
namespace {

// c10::Error messages can span lines (context, hints); keep the first.
std::string FirstLine(const std::string& text) { return text.substr(0, text.find('\n')); }

}  // namespace

PthArchive::PthArchive(std::string path,
                       std::unique_ptr<caffe2::serialize::PyTorchStreamReader> reader)
    : path_(std::move(path)), reader_(std::move(reader)) {}

PthArchive::~PthArchive() = default;

StatusOr<std::unique_ptr<PthArchive>> PthArchive::Open(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return NotFoundError(path + ": no such file");
  if (!S_ISREG(st.st_mode)) return InvalidArgumentError(path + ": not a regular file");
  if (st.st_size == 0) return InvalidArgumentError(path + ": file is empty");
  char magic[4] = {0, 0, 0, 0};
  std::ifstream in(path, std::ios::binary);
  in.read(magic, sizeof(magic));
  if (!in && in.gcount() == 0) return InvalidArgumentError(path + ": cannot read the file");
  if (static_cast<unsigned char>(magic[0]) == 0x80) {
    // torch.save(..., _use_new_zipfile_serialization=False) writes bare pickles.
    return UnimplementedError(path +
                              ": legacy (pre-1.6, non-zip) torch.save format; re-save it with a "
                              "current torch.save");
  }
  if (in.gcount() < 4 || std::string(magic, 4) != std::string("PK\x03\x04", 4)) {
    return InvalidArgumentError(path + ": not a zip archive, so not a torch.save file");
  }
  try {
    auto reader = std::make_unique<caffe2::serialize::PyTorchStreamReader>(path);
    return std::unique_ptr<PthArchive>(new PthArchive(path, std::move(reader)));
  } catch (const c10::Error& e) {
    return InvalidArgumentError(
        path + ": not a readable PyTorch archive: " + FirstLine(e.what_without_backtrace()));
  } catch (const std::exception& e) {
    return InvalidArgumentError(path + ": not a readable PyTorch archive: " + FirstLine(e.what()));
  }
}

bool PthArchive::Has(const std::string& name) {
  try {
    return reader_->hasRecord(name);
  } catch (const std::exception&) {
    return false;
  }
}

StatusOr<PthRecord> PthArchive::Read(const std::string& name) {
  try {
    auto [data, size] = reader_->getRecord(name);
    return PthRecord{std::move(data), size};
  } catch (const c10::Error& e) {
    return DataLossError(path_ + ": cannot read record '" + name +
                         "': " + FirstLine(e.what_without_backtrace()));
  } catch (const std::exception& e) {
    return DataLossError(path_ + ": cannot read record '" + name + "': " + FirstLine(e.what()));
  }
}

}  // namespace vit
