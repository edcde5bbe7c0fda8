// vit-info: what a model folder contains, as vit-serve understands it.
#include <CLI/CLI.hpp>
#include <iostream>

#include "cli/engine_flags.h"
#include "model/inference_engine.h"
#include "tools/vit-info/model_report.h"

int main(int argc, char** argv) {
  CLI::App app{
      "vit-info: print the architecture, parameter count, input size, preprocessing and labels "
      "that vit-serve "
      "infers for a model folder (timm, Hugging Face, torchvision or vit-serve checkpoints)."};
  std::string model_dir;
  // What vit-info reports is the model, not a run: one thread, fp32 unless asked.
  vit::EngineOptions options;
  options.dtype = "fp32";
  options.threads = 1;
  bool json = false;
  int max_labels = 20;
  app.add_option(
         "--model", model_dir,
         "Model folder (config.json + model.safetensors or model.pth). Default: the embedded "
         "Fashion-MNIST model")
      ->envname("VIT_MODEL");
  vit::cli::AddEngineFlags(&app, &options);
  app.add_option("--labels", max_labels, "How many labels to list in text output (0 = all)")
      ->capture_default_str();
  app.add_flag("--json", json, "Print one JSON object instead of text");
  CLI11_PARSE(app, argc, argv);

  auto engine = vit::InferenceEngine::Load(model_dir, options);
  if (!engine.ok()) {
    std::cerr << "vit-info: " << engine.status().ToString() << "\n";
    return 2;
  }
  const auto& info = (*engine)->info();
  std::cout << (json ? vit::tools::ModelReportJson(info) + "\n"
                     : vit::tools::ModelReportText(info, max_labels));
  return 0;
}
