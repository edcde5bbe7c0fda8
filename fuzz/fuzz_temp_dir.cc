#include "fuzz/fuzz_temp_dir.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace vit::fuzz {
namespace {

namespace fs = std::filesystem;

struct ScratchFolder {
  ScratchFolder() {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern = std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") +
                          "/vit-fuzz-" + std::to_string(getpid()) + "-XXXXXX";
    if (mkdtemp(pattern.data()) == nullptr) {
      std::perror("vit fuzz: mkdtemp");
      std::abort();
    }
    path = pattern;
  }
  ~ScratchFolder() {
    std::error_code ignored;
    fs::remove_all(path, ignored);
  }
  std::string path;
};

}  // namespace

const std::string& ScratchDir() {
  static const ScratchFolder folder;
  return folder.path;
}

std::string WriteScratchFile(const std::string& name, const uint8_t* data, size_t size) {
  const std::string path = ScratchDir() + "/" + name;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  out.close();
  if (!out) {
    std::fprintf(stderr, "vit fuzz: cannot write %s\n", path.c_str());
    std::abort();
  }
  return path;
}

void RemoveScratchFile(const std::string& name) {
  std::error_code ignored;
  fs::remove(ScratchDir() + "/" + name, ignored);
}

}  // namespace vit::fuzz
