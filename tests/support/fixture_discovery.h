// Discovers the model folders under the fixture root.
#pragma once

#include <string>
#include <vector>

namespace vit::testing {

/// Sub-folders of FixturesDir() that hold reference.safetensors next to
/// weights, sorted by name. Read when called: the folders are those present
/// when the test runs.
std::vector<std::string> DiscoverModelFixtures();

/// The name of folder `dir` with every character but [A-Za-z0-9] replaced by
/// '_', for GoogleTest parameter names (Fixtures/Parity.Kind/timm_vit_gap_fcnorm).
std::string FixtureTestName(const std::string& dir);

}  // namespace vit::testing
