// Discovers the model folders under the fixture root.
#pragma once

#include <string>
#include <vector>

namespace vit::testing {

/// Sub-folders of FixturesDir() that hold reference.safetensors next to
/// weights, sorted by name.
std::vector<std::string> DiscoverModelFixtures();

}  // namespace vit::testing
