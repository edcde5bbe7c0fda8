// vit-score's command line: a flag (and where sensible a VIT_* environment
// variable) for every ScoreOptions field, defaults shown by --help.
#pragma once

#include "score/score_runner.h"

namespace CLI {
class App;
}

namespace vit::score {

void AddScoreFlags(CLI::App* app, ScoreOptions* options);

}  // namespace vit::score
