#include "model/imagenet_labels.h"

#include <sstream>

namespace vit {

// Defined in the generated imagenet1k_labels_data.cc.
extern const char* const kImageNet1kLabelsTsv;

const std::vector<std::string>& ImageNet1kLabels() {
  static const std::vector<std::string> labels = [] {
    std::vector<std::string> out;
    std::istringstream in(kImageNet1kLabelsTsv);
    std::string line;
    std::getline(in, line);  // header: index, synset, description
    while (std::getline(in, line)) {
      const auto second_tab = line.find('\t', line.find('\t') + 1);
      if (second_tab != std::string::npos) out.push_back(line.substr(second_tab + 1));
    }
    return out;
  }();
  return labels;
}

}  // namespace vit
