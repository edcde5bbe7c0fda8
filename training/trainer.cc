#include "training/trainer.h"

#include <spdlog/spdlog.h>
#include <torch/nn/functional/loss.h>
#include <torch/nn/utils/clip_grad.h>
#include <torch/optim/adamw.h>
#include <torch/utils.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <numeric>
#include <random>
#include <sstream>
#include <thread>

#include "common/duration.h"
#include "model/cpu_features.h"
#include "model/model_saver.h"
#include "model/vision_transformer.h"
#include "training/checkpoint.h"
#include "training/cpu_autocast.h"
#include "training/idx_dataset.h"
#include "training/lr_schedule.h"

namespace vit::training {
namespace {

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

Status CheckOptions(const TrainOptions& options) {
  if (options.output_dir.empty()) return InvalidArgumentError("no output folder given");
  if (options.model.in_chans != 1)
    return InvalidArgumentError("IDX data is grayscale: in_chans must be 1");
  return Status::Ok();
}

StatusOr<bool> UseBf16(const std::string& precision) {
  if (precision == "fp32") return false;
  if (precision == "bf16") return true;
  if (precision == "auto") return CpuHasFastBf16();
  return InvalidArgumentError("unknown precision '" + precision + "' (expected auto, bf16, fp32)");
}

void SetThreads(int threads) {
  if (threads <= 0) threads = static_cast<int>(std::thread::hardware_concurrency());
  torch::set_num_threads(std::max(1, threads));
}

// Weight decay on matrices only: not on biases, norms, cls_token or pos_embed.
std::unique_ptr<torch::optim::AdamW> MakeOptimizer(VisionTransformer& net,
                                                   const TrainOptions& options) {
  std::vector<torch::Tensor> decay, no_decay;
  for (const auto& item : net->named_parameters()) {
    const bool is_token = item.key() == "cls_token" || item.key() == "pos_embed" ||
                          item.key() == "dist_token" || item.key() == "reg_token";
    (item.value().dim() >= 2 && !is_token ? decay : no_decay).push_back(item.value());
  }
  auto adamw = torch::optim::AdamWOptions(options.lr).betas({0.9, 0.999});
  std::vector<torch::optim::OptimizerParamGroup> groups;
  groups.emplace_back(decay,
                      std::make_unique<torch::optim::AdamWOptions>(
                          torch::optim::AdamWOptions(adamw).weight_decay(options.weight_decay)));
  groups.emplace_back(no_decay, std::make_unique<torch::optim::AdamWOptions>(
                                    torch::optim::AdamWOptions(adamw).weight_decay(0.0)));
  return std::make_unique<torch::optim::AdamW>(std::move(groups), adamw);
}

void SetLearningRate(torch::optim::Optimizer& optimizer, double lr) {
  for (auto& group : optimizer.param_groups())
    static_cast<torch::optim::AdamWOptions&>(group.options()).lr(lr);
}

// Linear warmup then cosine, per step.
LrScheduleOptions Schedule(const TrainOptions& options, int64_t steps_per_epoch) {
  LrScheduleOptions schedule;
  schedule.base_lr = options.lr;
  schedule.min_lr = options.min_lr;
  schedule.warmup_steps = static_cast<int64_t>(options.warmup_epochs * steps_per_epoch);
  schedule.total_steps = steps_per_epoch * options.epochs;
  return schedule;
}

std::string Signature(const TrainOptions& o, int64_t train_size) {
  std::ostringstream s;
  s << o.model.ToString() << " drop_path=" << o.model.drop_path_rate << " batch=" << o.batch_size
    << " lr=" << o.lr << " min_lr=" << o.min_lr << " wd=" << o.weight_decay
    << " warmup=" << o.warmup_epochs << " ls=" << o.label_smoothing << " clip=" << o.clip_grad_norm
    << " pad=" << o.augment.crop_padding << " flip=" << o.augment.hflip_prob
    << " erase=" << o.augment.erase_prob << " seed=" << o.seed << " train=" << train_size;
  return s.str();
}

double TestAccuracy(VisionTransformer& net, const IdxDataset& test, float mean, float std,
                    bool bf16) {
  torch::NoGradGuard no_grad;
  net->eval();
  int64_t correct = 0;
  for (int64_t start = 0; start < test.size(); start += 500) {
    const int64_t end = std::min(test.size(), start + 500);
    auto input = NormalizeBatch(test.images.slice(0, start, end), mean, std);
    CpuAutocast autocast(bf16);
    auto predicted = net->forward(input).argmax(1);
    correct += predicted.eq(test.labels.slice(0, start, end)).sum().item<int64_t>();
  }
  net->train();
  return 100.0 * static_cast<double>(correct) / static_cast<double>(test.size());
}

struct Data {
  IdxDataset train, test;
  float mean = 0.f, std = 1.f;
};

StatusOr<Data> LoadData(const TrainOptions& options) {
  Data data;
  VIT_ASSIGN_OR_RETURN(data.train, LoadIdxSplit(options.data_dir, "train"));
  VIT_ASSIGN_OR_RETURN(data.test, LoadIdxSplit(options.data_dir, "t10k"));
  if (options.train_limit > 0 && options.train_limit < data.train.size()) {
    data.train.images = data.train.images.slice(0, 0, options.train_limit).contiguous();
    data.train.labels = data.train.labels.slice(0, 0, options.train_limit).contiguous();
  }
  const auto& m = options.model;
  if (data.train.images.size(1) != m.img_height || data.train.images.size(2) != m.img_width) {
    return InvalidArgumentError(
        "data in '" + options.data_dir + "' is " + std::to_string(data.train.images.size(1)) + "x" +
        std::to_string(data.train.images.size(2)) + " but the model expects " +
        std::to_string(m.img_height) + "x" + std::to_string(m.img_width));
  }
  if (data.train.size() / options.batch_size == 0) {
    return InvalidArgumentError("fewer training images than one batch");
  }
  // Rounded so config.json carries short, reproducible numbers.
  const auto [mean, std] = PixelMeanStd(data.train.images);
  data.mean = std::round(mean * 1e4f) / 1e4f;
  data.std = std::round(std * 1e4f) / 1e4f;
  return data;
}

// The model's preprocessing as written to config.json: the whole 28x28 image,
// normalized with the training set's statistics.
PreprocessSpec GrayscaleSpec(const VitConfig& model, float mean, float std) {
  PreprocessSpec spec;
  spec.channels = 1;
  spec.input_height = model.img_height;
  spec.input_width = model.img_width;
  spec.resize_mode = ResizeMode::kShorterSideThenCenterCrop;
  spec.resize_shorter_side = std::min(spec.input_height, spec.input_width);
  spec.interpolation = Interpolation::kBilinear;
  spec.mean = {mean};
  spec.std = {std};
  spec.patch_size = model.patch_size;
  return spec;
}

// Initialised from the seed, in training mode.
VisionTransformer SeededModel(const TrainOptions& options) {
  torch::manual_seed(options.seed);
  VisionTransformer net(options.model);
  net->train();
  return net;
}

// Loss and hits since the last progress line.
struct ProgressWindow {
  double loss_sum = 0.0;
  int64_t steps = 0;
  int64_t correct = 0;
  int64_t images = 0;
  Clock::time_point start = Clock::now();
};

// One call of Train(): the model, its optimizer and data, and how far it got.
class TrainingRun {
 public:
  TrainingRun(const TrainOptions& options, Data data, bool bf16)
      : options_(options),
        data_(std::move(data)),
        bf16_(bf16),
        steps_per_epoch_(data_.train.size() / options.batch_size),
        net_(SeededModel(options)),
        optimizer_(MakeOptimizer(net_, options)),
        schedule_(Schedule(options, steps_per_epoch_)),
        checkpoint_((std::filesystem::path(options.output_dir) / "checkpoint.pt").string()),
        progress_{0, 0, Signature(options, data_.train.size())},
        order_(static_cast<size_t>(data_.train.size())) {}

  // Continues from the checkpoint when asked to and one exists.
  Status ResumeIfAsked() {
    if (!options_.resume || !std::filesystem::exists(checkpoint_)) return Status::Ok();
    VIT_ASSIGN_OR_RETURN(
        progress_, LoadTrainingCheckpoint(checkpoint_, net_, *optimizer_, progress_.signature));
    spdlog::info("resumed from '{}' after epoch {} (step {})", checkpoint_, progress_.epoch,
                 progress_.step);
    return Status::Ok();
  }

  void LogSetup() {
    int64_t params = 0;
    for (const auto& p : net_->parameters()) params += p.numel();
    spdlog::info(
        "{} | {} params | {} train / {} test images | mean {:.4f} std {:.4f} | {} threads | {}",
        options_.model.ToString(), params, data_.train.size(), data_.test.size(), data_.mean,
        data_.std, torch::get_num_threads(), bf16_ ? "bf16 autocast" : "fp32");
  }

  // The epochs left, each followed by a checkpoint (and the test accuracy).
  Status TrainEpochs() {
    run_start_ = Clock::now();
    for (int64_t epoch = progress_.epoch; epoch < options_.epochs; ++epoch) {
      TrainEpoch(epoch);
      progress_.epoch = epoch + 1;
      VIT_RETURN_IF_ERROR(SaveTrainingCheckpoint(checkpoint_, net_, *optimizer_, progress_));
      if (options_.eval_each_epoch) LogTestAccuracy(epoch);
    }
    return Status::Ok();
  }

  Status SaveModel() {
    net_->eval();
    VIT_RETURN_IF_ERROR(SaveModelFolder(options_.output_dir, net_, FashionMnistLabels(),
                                        GrayscaleSpec(options_.model, data_.mean, data_.std)));
    spdlog::info("wrote model folder '{}' after {} (this run)", options_.output_dir,
                 FormatDuration(SecondsSince(run_start_)));
    return Status::Ok();
  }

 private:
  void TrainEpoch(int64_t epoch) {
    // One generator per epoch: a resumed run draws exactly what the original would have.
    std::mt19937 rng(
        static_cast<uint32_t>(options_.seed * 1000003ULL + static_cast<uint64_t>(epoch)));
    std::iota(order_.begin(), order_.end(), 0);
    std::shuffle(order_.begin(), order_.end(), rng);
    const auto order = torch::from_blob(order_.data(), {data_.train.size()}, torch::kInt64);
    const int64_t batch = options_.batch_size;
    ProgressWindow window;
    for (int64_t s = 0; s < steps_per_epoch_; ++s) {
      TrainStep(order.slice(0, s * batch, (s + 1) * batch), rng, window);
      if ((s + 1) % options_.log_every == 0 || s + 1 == steps_per_epoch_) {
        LogProgress(epoch, s + 1, window);
        window = ProgressWindow();
      }
    }
  }

  // One optimizer step on the training images `idx`; adds its loss and hits to `window`.
  void TrainStep(const torch::Tensor& idx, std::mt19937& rng, ProgressWindow& window) {
    auto images = data_.train.images.index_select(0, idx).contiguous();
    const auto labels = data_.train.labels.index_select(0, idx);
    AugmentBatch(images, options_.augment, rng);
    const auto input = NormalizeBatch(images, data_.mean, data_.std);
    SetLearningRate(*optimizer_, LearningRateAt(schedule_, progress_.step));
    torch::Tensor logits;
    {
      CpuAutocast autocast(bf16_);
      logits = net_->forward(input);
    }
    logits = logits.to(torch::kFloat32);
    auto loss = torch::nn::functional::cross_entropy(
        logits, labels,
        torch::nn::functional::CrossEntropyFuncOptions().label_smoothing(options_.label_smoothing));
    optimizer_->zero_grad();
    loss.backward();
    if (options_.clip_grad_norm > 0)
      torch::nn::utils::clip_grad_norm_(net_->parameters(), options_.clip_grad_norm);
    optimizer_->step();
    ++progress_.step;
    ++steps_this_run_;
    window.loss_sum += loss.item<double>();
    window.correct += logits.argmax(1).eq(labels).sum().item<int64_t>();
    window.images += options_.batch_size;
    ++window.steps;
  }

  void LogProgress(int64_t epoch, int64_t step_in_epoch, const ProgressWindow& window) const {
    const double window_s = SecondsSince(window.start);
    const double run_s = SecondsSince(run_start_);
    const int64_t left = schedule_.total_steps - progress_.step;
    const double eta = run_s / static_cast<double>(steps_this_run_) * static_cast<double>(left);
    spdlog::info(
        "epoch {}/{} step {}/{} | loss {:.4f} | train acc {:.2f}% | lr {:.2e} | {:.0f} img/s | "
        "elapsed {} | ETA {}",
        epoch + 1, options_.epochs, step_in_epoch, steps_per_epoch_,
        window.loss_sum / static_cast<double>(window.steps), 100.0 * window.correct / window.images,
        LearningRateAt(schedule_, progress_.step - 1), window.images / window_s,
        FormatDuration(run_s), FormatDuration(eta));
  }

  // Monitoring only: the test set never picks weights.
  void LogTestAccuracy(int64_t epoch) {
    spdlog::info("epoch {}/{} done | test acc {:.2f}% | checkpoint '{}'", epoch + 1,
                 options_.epochs, TestAccuracy(net_, data_.test, data_.mean, data_.std, bf16_),
                 checkpoint_);
  }

  const TrainOptions& options_;
  const Data data_;
  const bool bf16_;
  const int64_t steps_per_epoch_;
  VisionTransformer net_;
  std::unique_ptr<torch::optim::AdamW> optimizer_;
  const LrScheduleOptions schedule_;
  const std::string checkpoint_;
  TrainingProgress progress_;
  std::vector<int64_t> order_;  // the epoch's shuffled image indices
  Clock::time_point run_start_ = Clock::now();
  int64_t steps_this_run_ = 0;
};

}  // namespace

Status Train(const TrainOptions& options) {
  VIT_RETURN_IF_ERROR(CheckOptions(options));
  VIT_ASSIGN_OR_RETURN(const bool bf16, UseBf16(options.precision));
  SetThreads(options.threads);
  VIT_ASSIGN_OR_RETURN(Data data, LoadData(options));
  std::filesystem::create_directories(options.output_dir);
  TrainingRun run(options, std::move(data), bf16);
  VIT_RETURN_IF_ERROR(run.ResumeIfAsked());
  run.LogSetup();
  VIT_RETURN_IF_ERROR(run.TrainEpochs());
  return run.SaveModel();
}

}  // namespace vit::training
