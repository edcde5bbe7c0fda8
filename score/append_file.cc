#include "score/append_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace vit::score {

StatusOr<std::unique_ptr<AppendFile>> AppendFile::Open(const std::string& path, size_t keep_bytes) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) {
    return FailedPreconditionError(path + ": cannot open for writing: " + std::strerror(errno));
  }
  if (::ftruncate(fd, static_cast<off_t>(keep_bytes)) != 0) {
    const int error = errno;
    ::close(fd);
    return FailedPreconditionError(
        path + ": cannot truncate a partial last record: " + std::strerror(error));
  }
  return std::unique_ptr<AppendFile>(new AppendFile(path, fd));
}

AppendFile::~AppendFile() { ::close(fd_); }

Status AppendFile::Append(const std::string& record) {
  size_t written = 0;
  while (written < record.size()) {
    const ssize_t n = ::write(fd_, record.data() + written, record.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return DataLossError(path_ + ": write failed: " + std::strerror(errno));
    written += static_cast<size_t>(n);
  }
  return Status::Ok();
}

}  // namespace vit::score
