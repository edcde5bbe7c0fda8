#include "fuzz/fuzz_temp_dir.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "tests/support/temp_folder.h"

namespace vit::fuzz {

namespace fs = std::filesystem;

const std::string& ScratchDir() {
  // mkdtemp failing throws: uncaught, it aborts, as a harness must not run
  // without the folder.
  static const vit::testing::TempFolder folder("vit-fuzz-" + std::to_string(getpid()));
  return folder.path();
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
