// vit-bench-score: the inputs and the model-only ceiling for vit-score's
// benchmark (see README.md and run_bench.sh):
//   make-model  --preset vit-s16|fashion-mnist --out DIR
//   make-images --out DIR [--count 1000 --width 500 --height 375]
//   model-throughput [--model DIR] [--batch-size 32 --threads 0 --images 1000 --rounds 5
//                     --dtype auto]
#include <CLI/CLI.hpp>

#include <cstdio>

#include "bench/score/model_throughput.h"
#include "bench/score/random_model.h"
#include "tests/support/synthetic_jpeg.h"

int main(int argc, char** argv) {
  CLI::App app{"vit-bench-score: benchmark inputs and model-only throughput"};
  app.require_subcommand(1);
  std::string preset = "vit-s16", out;
  int seed = 0, count = 1000, width = 500, height = 375;
  auto* make_model = app.add_subcommand("make-model", "Write a random-weight model folder");
  make_model->add_option("--preset", preset, "vit-s16 or fashion-mnist")->capture_default_str();
  make_model->add_option("--out", out, "Model folder to write")->required();
  make_model->add_option("--seed", seed, "Random seed")->capture_default_str();
  auto* make_images = app.add_subcommand("make-images", "Write benchmark JPEGs");
  make_images->add_option("--out", out, "Folder to write")->required();
  make_images->add_option("--count", count, "Images")->capture_default_str();
  make_images->add_option("--width", width, "Width in pixels")->capture_default_str();
  make_images->add_option("--height", height, "Height in pixels")->capture_default_str();
  vit::bench::ThroughputOptions throughput;
  auto* model = app.add_subcommand("model-throughput", "Images/s of the model alone");
  model->add_option("--model", throughput.model_dir, "Model folder; \"\" = the embedded model")
      ->capture_default_str();
  model->add_option("--batch-size", throughput.batch_size, "Images per Run")->capture_default_str();
  model->add_option("--threads", throughput.engine.threads, "LibTorch threads; 0 = all cores")
      ->capture_default_str();
  model->add_option("--dtype", throughput.engine.dtype, "auto, fp32 or bf16")
      ->capture_default_str();
  model->add_option("--images", throughput.images, "Images timed")->capture_default_str();
  model->add_option("--rounds", throughput.rounds, "Rounds the images are split into")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  vit::Status status;
  if (*make_model) {
    status = vit::bench::WriteRandomModel(preset, out, seed);
  } else if (*make_images) {
    status = vit::testing::WriteSyntheticJpegs(out, count, width, height);
  } else {
    auto rate = vit::bench::MeasureModelThroughput(throughput);
    status = rate.status();
    if (rate.ok()) {
      std::printf(
          "model-only: %.1f images/s, %.1f images per CPU-second, best round %.1f images/s\n",
          rate->images_per_second, rate->images_per_cpu_second, rate->best_round_images_per_second);
    }
  }
  if (!status.ok()) {
    std::fprintf(stderr, "vit-bench-score: %s\n", status.ToString().c_str());
    return 1;
  }
  return 0;
}
