#include "score/file_walker.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <system_error>
#include <utility>

namespace vit::score {
namespace fs = std::filesystem;
namespace {

std::string Lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

std::string Join(const std::string& directory, const std::string& name) {
  if (!directory.empty() && directory.back() == '/') return directory + name;
  return directory + "/" + name;
}

}  // namespace

FileWalker::FileWalker(std::vector<std::string> roots, WalkerOptions options)
    : roots_(std::move(roots)), options_(std::move(options)) {}

bool FileWalker::KeepsExtension(const std::string& name) const {
  if (options_.extensions.empty()) return true;
  const size_t dot = name.rfind('.');
  if (dot == std::string::npos || dot == 0) return false;
  const std::string extension = Lower(name.substr(dot + 1));
  return std::find(options_.extensions.begin(), options_.extensions.end(), extension) !=
         options_.extensions.end();
}

Status FileWalker::Descend(const std::string& directory) {
  Frame frame;
  frame.directory = directory;
  std::error_code ec;
  fs::directory_iterator it(directory, ec), end;
  for (; !ec && it != end; it.increment(ec)) {
    Child child;
    child.name = it->path().filename().string();
    std::error_code type_ec;
    child.is_directory = !it->is_symlink(type_ec) && it->is_directory(type_ec);
    frame.children.push_back(std::move(child));
  }
  if (ec) return NotFoundError(directory + ": cannot list directory: " + ec.message());
  std::sort(frame.children.begin(), frame.children.end(),
            [](const Child& a, const Child& b) { return a.name < b.name; });
  stack_.push_back(std::move(frame));
  return Status::Ok();
}

bool FileWalker::NextRoot(WalkEntry* entry) {
  while (next_root_ < roots_.size()) {
    const std::string& root = roots_[next_root_++];
    std::error_code ec;
    const fs::file_status status = fs::status(root, ec);
    if (ec || !fs::exists(status)) {
      *entry = {root, NotFoundError(root + ": no such file or directory")};
      return true;
    }
    if (!fs::is_directory(status)) {
      *entry = {root, Status::Ok()};  // named explicitly: kept whatever its extension
      return true;
    }
    if (Status listed = Descend(root); !listed.ok()) {
      *entry = {root, std::move(listed)};
      return true;
    }
    if (Next(entry)) return true;
  }
  return false;
}

bool FileWalker::Next(WalkEntry* entry) {
  while (!stack_.empty()) {
    Frame& frame = stack_.back();
    if (frame.next == frame.children.size()) {
      stack_.pop_back();
      continue;
    }
    const Child& child = frame.children[frame.next++];
    const std::string path = Join(frame.directory, child.name);
    if (child.is_directory) {
      if (Status listed = Descend(path); !listed.ok()) {
        *entry = {path, std::move(listed)};
        return true;
      }
      continue;  // `frame` may dangle after Descend: re-read the top
    }
    if (!KeepsExtension(child.name)) continue;
    // Regular files and links to them; a dangling link is kept too (its row
    // says it cannot be opened). FIFOs, sockets and devices are skipped: reading
    // them could block or never end.
    std::error_code ec;
    const fs::file_status target = fs::status(path, ec);
    const bool dangling = !fs::exists(target) && fs::is_symlink(fs::symlink_status(path, ec));
    if (!fs::is_regular_file(target) && !dangling) continue;
    *entry = {path, Status::Ok()};
    return true;
  }
  return NextRoot(entry);
}

std::vector<std::string> ParseExtensions(const std::string& list) {
  std::vector<std::string> extensions;
  size_t start = 0;
  while (start <= list.size()) {
    size_t end = list.find(',', start);
    if (end == std::string::npos) end = list.size();
    std::string item = list.substr(start, end - start);
    item.erase(0, item.find_first_not_of(" \t"));
    item.erase(item.find_last_not_of(" \t") + 1);
    if (!item.empty() && item[0] == '.') item.erase(0, 1);
    if (!item.empty()) extensions.push_back(Lower(item));
    start = end + 1;
  }
  return extensions;
}

}  // namespace vit::score
