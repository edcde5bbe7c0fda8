// vit-eval: top-1 accuracy, per-class accuracy, a confusion matrix and
// images/s of a model on an IDX dataset or a folder-per-class image tree.
// Exit codes: 0 evaluated, 1 usage error, 2 failure (model, data or an image).
#include <CLI/CLI.hpp>

#include <cstdio>
#include <iostream>

#include "cli/engine_flags.h"
#include "tools/vit-eval/eval_runner.h"

int main(int argc, char** argv) {
  vit::eval::EvalOptions options;
  bool json = false;
  CLI::App app{
      "Evaluate a vit-serve model folder on labelled images: an IDX split (MNIST / "
      "Fashion-MNIST files, .gz or plain) or a folder per class named after the labels."};
  app.add_option("--model", options.model_dir,
                 "Model folder (default: the embedded model, models/vit-fashion-mnist)");
  app.add_option("--data", options.data_dir,
                 "IDX folder (e.g. /usr/share/datasets/fashion-mnist) or class-folder tree")
      ->required();
  app.add_option("--split", options.split, "IDX split prefix (t10k = test, train)")
      ->capture_default_str();
  app.add_option("--batch-size", options.batch_size, "Images per model call")
      ->capture_default_str()
      ->check(CLI::Range(1, 4096));
  vit::cli::AddEngineFlags(&app, &options.engine);
  app.add_option("--limit", options.limit, "Score only the first N images, 0 = all")
      ->capture_default_str();
  app.add_flag("--json", json,
               "Print one JSON object (accuracy, images, per_class, confusion, ...)")
      ->capture_default_str();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 1;
  }
  try {
    auto report = vit::eval::Evaluate(options);
    if (!report.ok()) {
      std::cerr << "vit-eval: " << report.status().ToString() << "\n";
      return 2;
    }
    const double images = static_cast<double>(report->matrix.images());
    const double model_ips = report->model_seconds > 0 ? images / report->model_seconds : 0.0;
    const double total_ips = report->total_seconds > 0 ? images / report->total_seconds : 0.0;
    if (json) {
      std::cout << report->matrix.ToJson(report->total_seconds, total_ips, model_ips,
                                         options.batch_size, report->dtype)
                << std::endl;
    } else {
      std::cout << "model: " << report->model_path << " (" << report->dtype << ")\n"
                << report->matrix.ToText();
      std::printf(
          "\nthroughput: %.0f images/s model only (batch %d), %.0f images/s end to end "
          "(%.2f s for %ld images)\n",
          model_ips, options.batch_size, total_ips, report->total_seconds,
          static_cast<long>(images));
    }
  } catch (const std::exception& e) {
    std::cerr << "vit-eval: " << e.what() << "\n";
    return 2;
  }
  return 0;
}
