#include "tests/training/temp_folder.h"

#include <unistd.h>

#include <atomic>
#include <filesystem>

namespace vit::testing {

TempFolder::TempFolder() {
  static std::atomic<int> counter{0};
  path_ = (std::filesystem::temp_directory_path() /
           ("vit_training_test_" + std::to_string(getpid()) + "_" + std::to_string(counter++)))
              .string();
  std::filesystem::remove_all(path_);
  std::filesystem::create_directories(path_);
}

TempFolder::~TempFolder() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

}  // namespace vit::testing
