// main() of the test binaries with one test per fixture model folder (Parity,
// FastPath). ctest runs them with plain add_test, not gtest_discover_tests,
// so the folders tested are the ones under $VIT_FIXTURES_DIR when the test
// runs, not the ones present when the binary was built.
#include <gtest/gtest.h>

#include <cstdio>

#include "tests/support/fixture_discovery.h"
#include "tests/support/test_paths.h"

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  if (vit::testing::DiscoverModelFixtures().empty()) {
    std::fprintf(stderr,
                 "FAILED: no model folders (reference.safetensors next to model.safetensors or "
                 "model.pth) under %s\n",
                 vit::testing::FixturesDir().c_str());
    return 1;
  }
  const int failed = RUN_ALL_TESTS();
  // A filter that matches nothing would otherwise pass without testing anything.
  if (::testing::UnitTest::GetInstance()->test_to_run_count() == 0) {
    std::fprintf(stderr, "FAILED: no test matches --gtest_filter=%s\n",
                 std::string(GTEST_FLAG_GET(filter)).c_str());
    return 1;
  }
  return failed;
}
