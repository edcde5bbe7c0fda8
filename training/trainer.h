// The training loop for a ViT on an IDX image dataset (Fashion-MNIST): AdamW
// with decoupled weight decay (none on norms, biases, tokens and position
// embeddings), linear warmup then cosine decay per step, label smoothing,
// augmentation, optional bf16 autocast, a progress line, a resumable
// checkpoint after every epoch and the final model folder in native format.
#pragma once

#include <cstdint>
#include <string>

#include "common/status.h"
#include "model/vit_config.h"
#include "training/augment.h"

namespace vit::training {

struct TrainOptions {
  /// Folder with train-{images,labels}-idx*-ubyte[.gz] and t10k-*.
  std::string data_dir = "/usr/share/datasets/fashion-mnist";
  /// Model folder written at the end; checkpoint.pt lives here too.
  std::string output_dir;
  /// Architecture; img size and in_chans must match the data (28x28, 1).
  VitConfig model;
  int epochs = 20;
  int batch_size = 128;
  /// Peak AdamW learning rate. Default 1e-3.
  double lr = 1e-3;
  double min_lr = 1e-5;
  double weight_decay = 0.05;
  /// Warmup length in epochs (fractional allowed). Default 1.
  double warmup_epochs = 1.0;
  double label_smoothing = 0.1;
  /// Global gradient-norm clip; 0 = off. Default 1.0.
  double clip_grad_norm = 1.0;
  AugmentOptions augment;
  /// Seeds initialisation, shuffling, augmentation and drop path.
  uint64_t seed = 0;
  /// LibTorch intra-op threads; 0 = all cores.
  int threads = 0;
  /// "auto" (bf16 autocast where the CPU has AMX / AVX512-BF16), "bf16" or "fp32".
  std::string precision = "auto";
  /// Continue from <output_dir>/checkpoint.pt when it exists. Every other setting must
  /// match, except `epochs`: a larger value extends the run (the cosine is recomputed over
  /// the new total from the step reached).
  bool resume = false;
  /// Progress line every this many steps. Default 50.
  int log_every = 50;
  /// Report test-set accuracy after every epoch (monitoring only; never used for selection).
  bool eval_each_epoch = true;
  /// Use only the first N training images (0 = all); for quick trials.
  int64_t train_limit = 0;
};

/// Trains, checkpoints each epoch and writes the model folder to output_dir.
Status Train(const TrainOptions& options);

}  // namespace vit::training
