// Timing helpers and the PIL + torchvision baseline run of vit-bench-preprocess.
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace vit::bench {

// Median wall time in milliseconds of `iterations` calls of `body`, after one warm-up call.
double MedianMs(int iterations, const std::function<void()>& body);

// Runs bench/preprocess_pil.py with `python` on `files` (`iterations` per file,
// split into `rounds`) and returns its ms/image per file; false with `error` set
// when it fails or prints no result.
bool RunPilBaseline(const std::string& python, const std::string& script,
                    const std::vector<std::string>& files, const std::vector<int>& iterations,
                    int rounds, std::vector<double>* ms_per_image, std::string* error);

}  // namespace vit::bench
