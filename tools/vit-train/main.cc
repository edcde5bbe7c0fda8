// vit-train: trains a ViT for 28x28 grayscale IDX data (Fashion-MNIST) and
// writes a model folder in vit-serve's native format.
// Exit codes: 0 trained, 1 usage error, 2 training failed.
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include <cmath>

#include "training/fashion_mnist_vit.h"
#include "training/trainer.h"

int main(int argc, char** argv) {
  vit::training::TrainOptions options;
  options.model = vit::training::FashionMnistVitConfig();
  double mlp_ratio = static_cast<double>(options.model.mlp_hidden_dim) / options.model.embed_dim;
  CLI::App app{
      "Train a Vision Transformer on 28x28 grayscale IDX data (Fashion-MNIST) and write "
      "a vit-serve model folder (model.safetensors + config.json)."};
  app.add_option("--data", options.data_dir, "Folder with train-*/t10k-* IDX files (.gz or plain)")
      ->capture_default_str();
  app.add_option("--out", options.output_dir, "Output model folder (also holds checkpoint.pt)")
      ->required();
  app.add_option("--epochs", options.epochs, "Training epochs")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--batch-size", options.batch_size, "Images per step")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--lr", options.lr, "Peak AdamW learning rate")->capture_default_str();
  app.add_option("--min-lr", options.min_lr, "Learning rate at the end of the cosine")
      ->capture_default_str();
  app.add_option("--weight-decay", options.weight_decay, "AdamW weight decay (matrices only)")
      ->capture_default_str();
  app.add_option("--warmup-epochs", options.warmup_epochs, "Linear warmup length in epochs")
      ->capture_default_str();
  app.add_option("--label-smoothing", options.label_smoothing, "Label smoothing of the loss")
      ->capture_default_str();
  app.add_option("--clip-grad", options.clip_grad_norm, "Gradient-norm clip, 0 = off")
      ->capture_default_str();
  app.add_option("--embed-dim", options.model.embed_dim, "Token width")->capture_default_str();
  app.add_option("--depth", options.model.depth, "Transformer blocks")->capture_default_str();
  app.add_option("--heads", options.model.num_heads, "Attention heads")->capture_default_str();
  app.add_option("--mlp-ratio", mlp_ratio, "MLP hidden width / embed dim")->capture_default_str();
  app.add_option("--pool", options.model.global_pool,
                 "token (class token) or avg (mean of patch tokens, no class token)")
      ->capture_default_str()
      ->check(CLI::IsMember({"token", "avg"}));
  app.add_option("--patch-size", options.model.patch_size, "Patch size (28 must be a multiple)")
      ->capture_default_str();
  app.add_option("--drop-path", options.model.drop_path_rate,
                 "Stochastic depth rate of the last block")
      ->capture_default_str();
  app.add_option("--crop-padding", options.augment.crop_padding,
                 "Zero padding for the random crop, 0 = off")
      ->capture_default_str();
  app.add_option("--hflip", options.augment.hflip_prob, "Horizontal flip probability")
      ->capture_default_str();
  app.add_option("--erase", options.augment.erase_prob, "Random erasing probability")
      ->capture_default_str();
  app.add_option("--seed", options.seed, "Seed of init, shuffling, augmentation and drop path")
      ->capture_default_str();
  app.add_option("--threads", options.threads, "LibTorch threads, 0 = all cores")
      ->capture_default_str();
  app.add_option("--precision", options.precision,
                 "auto (bf16 autocast with AMX/AVX512-BF16), bf16 or fp32")
      ->capture_default_str()
      ->check(CLI::IsMember({"auto", "bf16", "fp32"}));
  app.add_flag("--resume", options.resume, "Continue from <out>/checkpoint.pt when present")
      ->capture_default_str();
  app.add_option("--log-every", options.log_every, "Progress line every N steps")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--limit-train", options.train_limit,
                 "Use only the first N training images, 0 = all")
      ->capture_default_str();
  bool no_eval = false;
  app.add_flag("--no-eval", no_eval, "Skip the test-set accuracy after each epoch")
      ->capture_default_str();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 1;
  }
  options.eval_each_epoch = !no_eval;
  options.model.class_token = options.model.global_pool == "token";
  options.model.mlp_hidden_dim = static_cast<int>(std::lround(mlp_ratio * options.model.embed_dim));
  const std::string problem = options.model.Validate();
  if (!problem.empty()) {
    spdlog::error("invalid architecture: {}", problem);
    return 1;
  }
  try {
    const vit::Status status = vit::training::Train(options);
    if (!status.ok()) {
      spdlog::error("{}", status.ToString());
      return 2;
    }
  } catch (const std::exception& e) {
    spdlog::error("training failed: {}", e.what());
    return 2;
  }
  return 0;
}
