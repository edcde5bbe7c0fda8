#include "training/trainer.h"

#include <ATen/autocast_mode.h>
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
#include "training/idx_dataset.h"
#include "training/lr_schedule.h"

namespace vit::training {
namespace {

using Clock = std::chrono::steady_clock;

// bf16 autocast on CPU for the lifetime of the guard (LibTorch 1.13 has no C++ guard).
class CpuAutocast {
 public:
  explicit CpuAutocast(bool enabled) : enabled_(enabled) {
    if (!enabled_) return;
    at::autocast::set_cpu_enabled(true);
    at::autocast::set_autocast_cpu_dtype(at::kBFloat16);
    at::autocast::increment_nesting();
  }
  ~CpuAutocast() {
    if (!enabled_) return;
    if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
    at::autocast::set_cpu_enabled(false);
  }
  CpuAutocast(const CpuAutocast&) = delete;
  CpuAutocast& operator=(const CpuAutocast&) = delete;

 private:
  bool enabled_;
};

StatusOr<bool> UseBf16(const std::string& precision) {
  if (precision == "fp32") return false;
  if (precision == "bf16") return true;
  if (precision == "auto") return CpuHasFastBf16();
  return InvalidArgumentError("unknown precision '" + precision + "' (expected auto, bf16, fp32)");
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
  auto train = LoadIdxSplit(options.data_dir, "train");
  if (!train.ok()) return train.status();
  auto test = LoadIdxSplit(options.data_dir, "t10k");
  if (!test.ok()) return test.status();
  data.train = std::move(*train);
  data.test = std::move(*test);
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
  // Rounded so config.json carries short, reproducible numbers.
  const auto [mean, std] = PixelMeanStd(data.train.images);
  data.mean = std::round(mean * 1e4f) / 1e4f;
  data.std = std::round(std * 1e4f) / 1e4f;
  return data;
}

}  // namespace

Status Train(const TrainOptions& options) {
  if (options.output_dir.empty()) return InvalidArgumentError("no output folder given");
  if (options.model.in_chans != 1)
    return InvalidArgumentError("IDX data is grayscale: in_chans must be 1");
  auto bf16 = UseBf16(options.precision);
  if (!bf16.ok()) return bf16.status();
  const int threads =
      options.threads > 0 ? options.threads : static_cast<int>(std::thread::hardware_concurrency());
  torch::set_num_threads(std::max(1, threads));
  auto data = LoadData(options);
  if (!data.ok()) return data.status();
  const int64_t n = data->train.size();
  const int64_t steps_per_epoch = n / options.batch_size;
  if (steps_per_epoch == 0) return InvalidArgumentError("fewer training images than one batch");

  torch::manual_seed(options.seed);
  VisionTransformer net(options.model);
  net->train();
  auto optimizer = MakeOptimizer(net, options);
  LrScheduleOptions schedule;
  schedule.base_lr = options.lr;
  schedule.min_lr = options.min_lr;
  schedule.warmup_steps = static_cast<int64_t>(options.warmup_epochs * steps_per_epoch);
  schedule.total_steps = steps_per_epoch * options.epochs;

  std::filesystem::create_directories(options.output_dir);
  const std::string checkpoint =
      (std::filesystem::path(options.output_dir) / "checkpoint.pt").string();
  const std::string signature = Signature(options, n);
  TrainingProgress progress{0, 0, signature};
  if (options.resume && std::filesystem::exists(checkpoint)) {
    auto loaded = LoadTrainingCheckpoint(checkpoint, net, *optimizer, signature);
    if (!loaded.ok()) return loaded.status();
    progress = *loaded;
    spdlog::info("resumed from '{}' after epoch {} (step {})", checkpoint, progress.epoch,
                 progress.step);
  }
  int64_t params = 0;
  for (const auto& p : net->parameters()) params += p.numel();
  spdlog::info(
      "{} | {} params | {} train / {} test images | mean {:.4f} std {:.4f} | {} threads | {}",
      options.model.ToString(), params, n, data->test.size(), data->mean, data->std,
      torch::get_num_threads(), *bf16 ? "bf16 autocast" : "fp32");

  const auto run_start = Clock::now();
  int64_t steps_this_run = 0;
  std::vector<int64_t> order(static_cast<size_t>(n));
  for (int64_t epoch = progress.epoch; epoch < options.epochs; ++epoch) {
    // One generator per epoch: a resumed run draws exactly what the original would have.
    std::mt19937 rng(
        static_cast<uint32_t>(options.seed * 1000003ULL + static_cast<uint64_t>(epoch)));
    std::iota(order.begin(), order.end(), 0);
    std::shuffle(order.begin(), order.end(), rng);
    const auto order_tensor = torch::from_blob(order.data(), {n}, torch::kInt64);
    double window_loss = 0.0;
    int64_t window_correct = 0, window_images = 0;
    auto window_start = Clock::now();
    for (int64_t s = 0; s < steps_per_epoch; ++s) {
      const auto idx = order_tensor.slice(0, s * options.batch_size, (s + 1) * options.batch_size);
      auto images = data->train.images.index_select(0, idx).contiguous();
      const auto labels = data->train.labels.index_select(0, idx);
      AugmentBatch(images, options.augment, rng);
      const auto input = NormalizeBatch(images, data->mean, data->std);
      SetLearningRate(*optimizer, LearningRateAt(schedule, progress.step));
      torch::Tensor logits;
      {
        CpuAutocast autocast(*bf16);
        logits = net->forward(input);
      }
      logits = logits.to(torch::kFloat32);
      auto loss = torch::nn::functional::cross_entropy(
          logits, labels,
          torch::nn::functional::CrossEntropyFuncOptions().label_smoothing(
              options.label_smoothing));
      optimizer->zero_grad();
      loss.backward();
      if (options.clip_grad_norm > 0)
        torch::nn::utils::clip_grad_norm_(net->parameters(), options.clip_grad_norm);
      optimizer->step();
      ++progress.step;
      ++steps_this_run;
      window_loss += loss.item<double>();
      window_correct += logits.argmax(1).eq(labels).sum().item<int64_t>();
      window_images += options.batch_size;
      if ((s + 1) % options.log_every == 0 || s + 1 == steps_per_epoch) {
        const double window_s = std::chrono::duration<double>(Clock::now() - window_start).count();
        const double run_s = std::chrono::duration<double>(Clock::now() - run_start).count();
        const int64_t left = schedule.total_steps - progress.step;
        const double eta = run_s / static_cast<double>(steps_this_run) * static_cast<double>(left);
        spdlog::info(
            "epoch {}/{} step {}/{} | loss {:.4f} | train acc {:.2f}% | lr {:.2e} | {:.0f} img/s | "
            "elapsed {} | ETA {}",
            epoch + 1, options.epochs, s + 1, steps_per_epoch,
            window_loss / (window_images / options.batch_size),
            100.0 * window_correct / window_images, LearningRateAt(schedule, progress.step - 1),
            window_images / window_s, FormatDuration(run_s), FormatDuration(eta));
        window_loss = 0.0;
        window_correct = window_images = 0;
        window_start = Clock::now();
      }
    }
    progress.epoch = epoch + 1;
    VIT_RETURN_IF_ERROR(SaveTrainingCheckpoint(checkpoint, net, *optimizer, progress));
    if (options.eval_each_epoch) {
      spdlog::info("epoch {}/{} done | test acc {:.2f}% | checkpoint '{}'", epoch + 1,
                   options.epochs, TestAccuracy(net, data->test, data->mean, data->std, *bf16),
                   checkpoint);
    }
  }

  PreprocessSpec spec;
  spec.channels = 1;
  spec.input_height = options.model.img_height;
  spec.input_width = options.model.img_width;
  spec.resize_mode = ResizeMode::kShorterSideThenCenterCrop;
  spec.resize_shorter_side = std::min(spec.input_height, spec.input_width);
  spec.interpolation = Interpolation::kBilinear;
  spec.mean = {data->mean};
  spec.std = {data->std};
  spec.patch_size = options.model.patch_size;
  net->eval();
  VIT_RETURN_IF_ERROR(SaveModelFolder(options.output_dir, net, FashionMnistLabels(), spec));
  spdlog::info("wrote model folder '{}' after {} (this run)", options.output_dir,
               FormatDuration(std::chrono::duration<double>(Clock::now() - run_start).count()));
  return Status::Ok();
}

}  // namespace vit::training
