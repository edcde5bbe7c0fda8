// ReadFileChunks, a template (header-only).
#pragma once

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <system_error>
#include <vector>

namespace vit::score {

template <typename Consume>
Status ReadFileChunks(const std::string& path, Consume consume) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return Status::Ok();
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    return FailedPreconditionError(path + ": cannot read: " + std::strerror(errno));
  }
  std::vector<char> buffer(size_t{1} << 20);
  while (file) {
    file.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    const auto got = static_cast<size_t>(file.gcount());
    if (got == 0) break;
    VIT_RETURN_IF_ERROR(consume(buffer.data(), got));
  }
  if (file.bad()) return FailedPreconditionError(path + ": read error");
  return Status::Ok();
}

}  // namespace vit::score
