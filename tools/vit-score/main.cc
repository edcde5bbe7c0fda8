// vit-score: scores folders of images with a ViT, in process or through a
// vit-server, into a resumable CSV / JSONL file (see README.md).
// Exit codes: 0 every file scored, 2 some files failed, 1 usage or setup error.
#include <CLI/CLI.hpp>

#include "score/score_runner.h"
#include "tools/vit-score/score_flags.h"

int main(int argc, char** argv) {
  CLI::App app{"vit-score: classify every image under PATH... into a CSV or JSONL file"};
  app.footer(
      "Exit codes: 0 = every file scored, 2 = some files failed (see the error column), "
      "1 = usage or setup error, or the run could not go on.");
  vit::score::ScoreOptions options;
  vit::score::AddScoreFlags(&app, &options);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : vit::score::kExitUsage;
  }
  return vit::score::RunScore(options);
}
