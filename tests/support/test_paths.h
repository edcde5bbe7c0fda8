// Where tests find shared material and build outputs.
#pragma once

#include <string>

namespace vit::testing {

// $VIT_FIXTURES_DIR, else ../shared/fixtures beside the checkout.
std::string FixturesDir();
// $VIT_TESTDATA_DIR, else ../shared/testdata beside the checkout.
std::string TestdataDir();
// ../shared/testdata/images (or under $VIT_TESTDATA_DIR).
std::string TestImagesDir();
// $VIT_FASHION_MNIST_DIR, else /usr/share/datasets/fashion-mnist (Debian's
// dataset-fashion-mnist).
std::string FashionMnistDir();
// The repository root and the CMake build folder.
std::string SourceDir();
std::string BinaryDir();

}  // namespace vit::testing
